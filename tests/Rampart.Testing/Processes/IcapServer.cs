using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Rampart.Testing.Processes;

/// <summary>
/// A private c-icap 0.5 with the virus_scan service ("avscan") scanning through clamd_mod, which hands each
/// object to the given <see cref="ClamdServer"/> over its unix socket (c-icap writes the body to its TmpDir and
/// clamd reads it: both run as the same user). clamav_mod (libclamav in-process) would need a database
/// directory of its own and loads it in every child; clamd_mod shares the fixture's tiny database.
/// Listens on 127.0.0.1 and a free port; everything else lives in a temp folder.
/// </summary>
public sealed class IcapServer : ChildServer
{
    public const string ServiceName = "avscan";

    private IcapServer(TempDirectory temp, ChildProcess process, int port) : base(temp, process, port)
    {
    }

    public string Url => $"icap://127.0.0.1:{Port}/{ServiceName}";

    public string ServerLog => File.Exists(Temp.File("server.log")) ? File.ReadAllText(Temp.File("server.log")) : "";

    public static async Task<IcapServer> StartAsync(ClamdServer clamd)
    {
        var binary = RequiredTool.Find("c-icap", RequiredTool.AntivirusHint);
        var modules = Directory.GetDirectories("/usr/lib").Append("/usr/lib").Select(d => Path.Combine(d, "c_icap"))
            .FirstOrDefault(d => Directory.Exists(d) && File.Exists(Path.Combine(d, "virus_scan.so")) && File.Exists(Path.Combine(d, "clamd_mod.so")))
            ?? throw new InvalidOperationException($"c-icap's virus_scan.so and clamd_mod.so were not found under /usr/lib: {RequiredTool.AntivirusHint}");
        var port = FreePort.Next();
        var server = await ReadyAsync(new TempDirectory("rampart-icap"), temp =>
        {
            File.WriteAllText(temp.File("c-icap.conf"), Config(temp, port, modules, clamd.SocketPath));
            // -N: no daemon (stays our child); -D -d 10 on the command line is the way to debug it.
            return new IcapServer(temp, ChildProcess.Start(binary, ["-N", "-f", temp.File("c-icap.conf")]), port);
        });
        try
        {
            await server.WaitForOptionsAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The findings behind each line: "Port address:port" binds one address (c-icap 0.5 syntax); no User/Group,
    /// so it stays the invoking user; ScanFileTypes must name TEXT and DATA, the classes a mail message falls in
    /// (else it is passed unscanned with a 204); SendPercentData 0, or a large clean object would come back as
    /// a 200 with the data trickled out, which a client cannot tell from a replacement; MaxObjectSize above
    /// anything the tests send (bigger objects are passed unscanned). The service is reached through an alias
    /// with arguments (as Debian's virus_scan.conf does): mode=simple makes it scan the whole object before
    /// answering; in its default mode an object bigger than the preview comes back as a 200 echo, clean or not,
    /// which an ICAP client must take for a replacement. allow204=on and sizelimit=off as Debian's alias.
    /// </summary>
    private static string Config(TempDirectory temp, int port, string modules, string clamdSocket) => $"""
        PidFile {temp.File("c-icap.pid")}
        CommandsSocket {temp.File("c-icap.ctl")}
        Port 127.0.0.1:{port}
        Timeout 30
        MaxKeepAliveRequests 1000
        KeepAliveTimeout 60
        StartServers 1
        MaxServers 2
        MinSpareThreads 2
        MaxSpareThreads 8
        ThreadsPerChild 8
        MaxRequestsPerChild 0
        TmpDir {temp.Path}
        MaxMemObject 131072
        DebugLevel 1
        Pipelining on
        ModulesDir {modules}
        ServicesDir {modules}
        TemplateDir /usr/share/c_icap/templates/
        TemplateDefaultLanguage en
        LoadMagicFile /etc/c-icap/c-icap.magic
        ServerLog {temp.File("server.log")}
        AccessLog {temp.File("access.log")}
        Module common clamd_mod.so
        clamd_mod.ClamdSocket {clamdSocket}
        Service virus_scan virus_scan.so
        ServiceAlias {ServiceName} virus_scan?allow204=on&sizelimit=off&mode=simple
        virus_scan.DefaultEngine clamd
        virus_scan.ScanFileTypes TEXT DATA EXECUTABLE ARCHIVE GIF JPEG MSOFFICE
        virus_scan.SendPercentData 0
        virus_scan.MaxObjectSize 100M
        """ + "\n";

    /// <summary>The port opens before the service is loaded; ready means an OPTIONS answered 200.</summary>
    private Task WaitForOptionsAsync() =>
        BoundedWait.UntilAsync(async _ =>
        {
            try
            {
                return (await OptionsAsync()).StartsWith("ICAP/1.0 200", StringComparison.Ordinal);
            }
            catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
            {
                return false;
            }
        }, "c-icap answering OPTIONS with 200", TimeSpan.FromSeconds(20), () => $"{Describe()}\n{ServerLog}", TimeSpan.FromMilliseconds(50));

    /// <summary>The raw OPTIONS response head of the service.</summary>
    public async Task<string> OptionsAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        using var client = new TcpClient();
        await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Port), timeout.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"OPTIONS {Url} ICAP/1.0\r\nHost: 127.0.0.1\r\nEncapsulated: null-body=0\r\n\r\n"), timeout.Token);
        var text = new StringBuilder();
        var buffer = new byte[4096];
        while (!text.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, timeout.Token);
            if (read == 0) break;
            text.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        return text.ToString();
    }
}
