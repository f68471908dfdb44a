using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Rampart.Testing.Processes;

/// <summary>
/// A private clamd (REAL-PARTS.md §1) with a three-signature database and no CVD, so no freshclam and no network:
/// EICAR by hash (.hdb) and by body (.ndb), and a Rampart marker string (<see cref="CustomMarker"/>).
/// Listens on 127.0.0.1 and a free port and on a unix socket in its temp folder; ScanMail and ScanArchive are on,
/// so MIME parts and zips are decoded. Can be stopped and started again on the same port and socket (a scanner
/// outage), and given more signatures at run time (RELOAD).
/// </summary>
public sealed class ClamdServer : IAsyncDisposable
{
    public const string CustomMarker = "RAMPART-TEST-MALWARE-MARKER-7f3a";
    public const string EicarBodyName = "Rampart.Test.EICAR.Body.UNOFFICIAL";
    public const string CustomName = "Rampart.Test.Custom.UNOFFICIAL";

    /// <summary>The 68-byte EICAR test file; built from two halves so this source is not itself a test virus.</summary>
    public static readonly string Eicar = @"X5O!P%@AP[4\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

    private readonly TempDirectory temp = new("rampart-clamd");
    private readonly string streamMaxLength;
    private ChildProcess? clamd;

    private ClamdServer(string streamMaxLength)
    {
        this.streamMaxLength = streamMaxLength;
        Port = FreePort.Next();
    }

    public int Port { get; }
    public string TcpAddress => $"127.0.0.1:{Port}";
    public string SocketPath => temp.File("clamd.sock");
    public string Folder => temp.Path;
    public string Log => File.Exists(temp.File("clamd.log")) ? File.ReadAllText(temp.File("clamd.log")) : "";

    /// <param name="streamMaxLength">clamd's StreamMaxLength: small by default, so the "too big" case needs only a few MiB.</param>
    public static async Task<ClamdServer> StartAsync(string streamMaxLength = "4M")
    {
        var binary = RequiredTool.Find("clamd", RequiredTool.AntivirusHint);
        var server = new ClamdServer(streamMaxLength);
        try
        {
            await server.WriteConfigAsync();
            await server.StartProcessAsync(binary);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private async Task WriteConfigAsync()
    {
        Directory.CreateDirectory(temp.File("db"));
        Directory.CreateDirectory(temp.File("tmp"));
        Directory.CreateDirectory(temp.File("build"));
        await File.WriteAllTextAsync(temp.File("build/COPYING"), "Test signatures of the Rampart project.\n");
        await File.WriteAllTextAsync(temp.File("build/daily.ndb"), $"Rampart.Test.Placeholder:0:*:{Hex("RAMPART-PLACEHOLDER-" + Port)}\n");
        await BuildDailyAsync();
        File.WriteAllText(temp.File("db/rampart.hdb"), "44d88612fea8a8f36de82e1278abb02f:68:Rampart.Test.EICAR.Hash\n");
        File.WriteAllText(temp.File("db/rampart.ndb"),
            $"Rampart.Test.EICAR.Body:0:*:{Hex("EICAR-STANDARD-ANTIVIRUS-TEST-FILE")}\nRampart.Test.Custom:0:*:{Hex(CustomMarker)}\n");
        // No User line: clamd runs as whoever runs the tests. SelfCheck 0: reloads only when told (RELOAD).
        File.WriteAllText(temp.File("clamd.conf"), $"""
            TCPSocket {Port}
            TCPAddr 127.0.0.1
            LocalSocket {SocketPath}
            DatabaseDirectory {temp.File("db")}
            TemporaryDirectory {temp.File("tmp")}
            PidFile {temp.File("clamd.pid")}
            LogFile {temp.File("clamd.log")}
            LogTime yes
            Foreground yes
            ScanMail yes
            ScanArchive yes
            AlertExceedsMax yes
            StreamMaxLength {streamMaxLength}
            MaxThreads 4
            SelfCheck 0
            """ + "\n");
    }

    private static string Hex(string text) => Convert.ToHexString(Encoding.ASCII.GetBytes(text)).ToLowerInvariant();

    private async Task StartProcessAsync(string binary)
    {
        var started = clamd = ChildProcess.Start(binary, ["-c", temp.File("clamd.conf")]);
        await BoundedWait.UntilAsync(async _ =>
        {
            if (started.HasExited) throw new InvalidOperationException($"clamd exited before answering PING.\n{started.Describe()}\n{Log}");
            try
            {
                return await CommandAsync("zPING\0") == "PONG";
            }
            catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
            {
                return false; // still loading its database
            }
        }, "clamd answering PING", TimeSpan.FromSeconds(30), () => $"{started.Describe()}\n{Log}", TimeSpan.FromMilliseconds(50));
    }

    /// <summary>Starts clamd again on the same port, socket and database.</summary>
    public Task RestartAsync() => StartProcessAsync(RequiredTool.Find("clamd", RequiredTool.AntivirusHint));

    /// <summary>Stops clamd and waits (bounded) until it has exited, so the port and socket refuse connections.</summary>
    public async Task StopAsync()
    {
        if (clamd is null) return;
        clamd.Terminate();
        try
        {
            await clamd.WaitForExitAsync(TimeSpan.FromSeconds(15));
        }
        catch (TimeoutException)
        {
            // WaitForExitAsync has killed it.
        }
        await clamd.DisposeAsync();
        clamd = null;
    }

    private int dailyVersion;

    /// <summary>The signature version clamd reports: "ClamAV x.y.z/N/date", N counting up with each update.</summary>
    public int DailyVersion => dailyVersion;

    /// <summary>
    /// Builds db/daily.cud from build/daily.ndb with sigtool, as a signature update would bring it: an unsigned
    /// database with a version number, so clamd's VERSION reply changes with each update (private .ndb files
    /// alone never change it).
    /// </summary>
    private async Task BuildDailyAsync()
    {
        var sigtool = RequiredTool.Find("sigtool", "apt-get install clamav");
        dailyVersion++;
        File.Delete(temp.File("build/daily.cud"));
        await using var build = await ChildProcess.RunAsync(sigtool,
            ["--build=daily.cud", "--unsigned", $"--cvd-version={dailyVersion}", $"--datadir={temp.File("build")}"],
            TimeSpan.FromSeconds(30), workingDirectory: temp.File("build"), standardInput: "rampart tests\n");
        if (!File.Exists(temp.File("build/daily.cud"))) throw new InvalidOperationException($"sigtool built no daily.cud.\n{build.Describe()}");
        File.Copy(temp.File("build/daily.cud"), temp.File("db/daily.cud.new"), overwrite: true);
        File.Move(temp.File("db/daily.cud.new"), temp.File("db/daily.cud"), overwrite: true);
    }

    /// <summary>
    /// A signature update: adds a body signature for <paramref name="marker"/> to the daily database (rebuilt with
    /// the next version), sends RELOAD, and waits until a scan of the marker finds it (clamd reloads in the background
    /// and scans with the old database meanwhile).
    /// </summary>
    public async Task AddSignatureAsync(string name, string marker)
    {
        await File.AppendAllTextAsync(temp.File("build/daily.ndb"), $"{name}:0:*:{Hex(marker)}\n");
        await BuildDailyAsync();
        var reply = await CommandAsync("zRELOAD\0");
        if (reply != "RELOADING") throw new InvalidOperationException($"RELOAD answered '{reply}'");
        await BoundedWait.UntilAsync(async _ => (await InstreamAsync(Encoding.ASCII.GetBytes(marker))).Contains(name, StringComparison.Ordinal),
            $"clamd finding {name} after RELOAD", TimeSpan.FromSeconds(30), () => Log, TimeSpan.FromMilliseconds(100));
    }

    /// <summary>One command on its own connection; the reply without its NUL.</summary>
    public async Task<string> CommandAsync(string command, byte[]? payload = null)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var client = new TcpClient();
        await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Port), timeout.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(command), timeout.Token);
        if (payload is not null) await stream.WriteAsync(payload, timeout.Token);
        using var reply = new MemoryStream();
        var buffer = new byte[1024];
        int read;
        while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
        {
            reply.Write(buffer, 0, read);
            if (buffer[read - 1] == 0) break;
        }
        return Encoding.ASCII.GetString(reply.ToArray()).TrimEnd('\0');
    }

    /// <summary>A one-shot INSTREAM of <paramref name="content"/>, for the fixture's own checks.</summary>
    public Task<string> InstreamAsync(byte[] content)
    {
        var payload = new byte[content.Length + 8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(payload, content.Length);
        content.CopyTo(payload, 4);
        return CommandAsync("zINSTREAM\0", payload);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        temp.Dispose();
    }
}
