using System.Net;
using Xunit;

namespace Rampart.Testing.Processes;

/// <summary>
/// Postfix's smtp-sink as a light next hop: it offers PIPELINING, 8BITMIME, DSN and ENHANCEDSTATUSCODES (no
/// SIZE, CHUNKING, SMTPUTF8 nor STARTTLS) and dumps each transaction to a file (<c>-d DIR/%M.</c>): its
/// X-Mail-Args/X-Rcpt-Args lines, a Received line, then the content un-dot-stuffed with LF line ends.
/// Extra options play a broken server: <c>-r RCPT</c> soft-rejects, <c>-f</c> hard-rejects, <c>-Q</c> says 421,
/// <c>-q</c> disconnects (see smtp-sink(1)). Runs as our child, bound to 127.0.0.1 on a free port.
/// </summary>
public sealed class SmtpSink : ChildServer
{
    private const string SinkPath = "/usr/sbin/smtp-sink";

    private SmtpSink(TempDirectory temp, ChildProcess sink, IPEndPoint endPoint) : base(temp, sink, endPoint.Port, endPoint.Address)
    {
    }

    public string DumpFolder => Temp.File("dump");

    public static Task<SmtpSink> StartAsync(params string[] extraOptions) => StartOnPortAsync(FreePort.Next(), extraOptions);

    /// <summary>On a port chosen beforehand: for a next hop that comes up after the gateway has tried it.</summary>
    public static Task<SmtpSink> StartOnPortAsync(int port, params string[] extraOptions) =>
        StartOnAsync(new IPEndPoint(IPAddress.Loopback, port), extraOptions);

    /// <summary>On another loopback address (127.0.0.x) too: MX hosts of a test zone sharing one port.</summary>
    public static Task<SmtpSink> StartOnAsync(IPEndPoint endPoint, params string[] extraOptions)
    {
        var binary = RequiredTool.At(SinkPath);
        return ReadyAsync(new TempDirectory("rampart-sink"), temp =>
        {
            // smtp-sink writes its dumps as nobody (-u, required when run as root).
            File.SetUnixFileMode(temp.Path, (UnixFileMode)0b111_101_101);
            var dump = Directory.CreateDirectory(temp.File("dump")).FullName;
            File.SetUnixFileMode(dump, (UnixFileMode)0b111_111_111);
            string[] args = [.. Environment.UserName == "root" ? ["-u", "nobody"] : Array.Empty<string>(),
                "-d", $"{dump}/%M.", .. extraOptions, $"{endPoint.Address}:{endPoint.Port}", "10"];
            return new SmtpSink(temp, ChildProcess.Start(binary, args), endPoint);
        });
    }

    /// <summary>The dumped transactions, waiting (bounded) until at least <paramref name="count"/> are complete.</summary>
    public Task<string[]> WaitForDumpsAsync(int count = 1, TimeSpan? timeout = null) =>
        BoundedWait.ForAsync(() => CompleteDumps() is { } texts && texts.Length >= count ? texts : null,
            $"{count} complete dump(s) from smtp-sink", timeout ?? TimeSpan.FromSeconds(15), () => $"complete: {CompleteDumps().Length}\n{Describe()}",
            TimeSpan.FromMilliseconds(50));

    /// <summary>A dump is written while the content arrives; the transaction ends with its trailing empty line.</summary>
    private string[] CompleteDumps() =>
        Directory.GetFiles(DumpFolder).Order(StringComparer.Ordinal).Select(File.ReadAllText)
            .Where(t => t.EndsWith("\n\n", StringComparison.Ordinal)).ToArray();

    public int DumpCount => Directory.GetFiles(DumpFolder).Length;
}
