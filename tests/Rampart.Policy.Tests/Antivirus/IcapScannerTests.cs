using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Rampart.Policy.Antivirus;

namespace Rampart.Policy.Tests.Antivirus;

[Collection(AntivirusCollection.Name)]
public sealed class IcapScannerTests(AntivirusServers servers)
{
    [Fact]
    public async Task Options_are_read_and_kept_alive_connections_reused()
    {
        await using var scanner = new IcapScanner(servers.IcapService);
        var clean = Samples.Get("clean");
        // Bigger than c-icap's 1024-byte preview: exercises "100 Continue" (RFC 3507 §4.5).
        var bigClean = Samples.Clean(string.Concat(Enumerable.Repeat("Nothing to see here, only words.\r\n", 3000)));

        for (var i = 0; i < 30; i++)
        {
            var bytes = i % 2 == 0 ? clean : Encoding.ASCII.GetBytes(bigClean);
            ScanAssert.Is<ScanResult.Clean>(await scanner.ScanAsync(new MemoryStream(bytes), default));
        }

        Assert.Equal(30, scanner.ScansSent);
        // One for OPTIONS (not kept), few for the scans.
        Assert.InRange(scanner.ConnectionsOpened, 2, 4);
        Assert.False(string.IsNullOrEmpty(await scanner.SignatureVersionAsync(default)));
    }

    [Fact]
    public async Task Unreachable_service_is_failed()
    {
        await using var scanner = new IcapScanner(new ScannerOptions { Kind = ScannerKind.Icap, Address = $"icap://127.0.0.1:{Rampart.Testing.FreePort.Next()}/avscan" });

        ScanAssert.Is<ScanResult.Failed>(await scanner.ScanAsync(new MemoryStream(Samples.Get("clean")), default).AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Null(await scanner.SignatureVersionAsync(default));
    }

    private const string GoodOptions = "ICAP/1.0 200 OK\r\nMethods: RESPMOD\r\nISTag: \"T1\"\r\nAllow: 204\r\nEncapsulated: null-body=0\r\n\r\n";

    [Theory]
    [InlineData("garbage\r\n\r\n")]
    [InlineData("HTTP/1.1 204 No Content\r\n\r\n")]
    [InlineData("ICAP/1.0 2x4 Nope\r\n\r\n")]
    [InlineData("ICAP/1.0 500 Server Error\r\n\r\n")]
    [InlineData("ICAP/1.0 204 No Content\r\nno colon here\r\n\r\n")]
    [InlineData("ICAP/1.0 204 No Content\r\n")]                  // closed mid-head
    [InlineData("")]                                              // closed without a word
    public async Task Malformed_replies_are_failed(string reply)
    {
        var result = await ScanAgainstAsync(GoodOptions, reply);

        ScanAssert.Is<ScanResult.Failed>(result);
    }

    [Fact]
    public async Task An_endless_header_line_is_failed_not_buffered()
    {
        var result = await ScanAgainstAsync(GoodOptions, "ICAP/1.0 204 No Content\r\nX-Long: " + new string('a', 100_000) + "\r\n\r\n");

        Assert.Contains("longer than", ScanAssert.Is<ScanResult.Failed>(result).Why, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("X-Infection-Found: Type=0; Resolution=2; Threat=Worm.Test;\r\n", "Worm.Test")]
    [InlineData("X-Virus-ID: Trojan.Test\r\n", "Trojan.Test")]
    [InlineData("X-Violations-Found: 1\r\n\tmail.eml\r\n\tVirus.Test\r\n\t0\r\n\t0\r\n", "Virus.Test")]
    [InlineData("", "unknown threat")]
    public async Task A_replaced_message_is_infected_with_the_name_the_server_gives(string headers, string threat)
    {
        var result = await ScanAgainstAsync(GoodOptions, $"ICAP/1.0 200 OK\r\n{headers}Encapsulated: res-hdr=0, null-body=19\r\n\r\nHTTP/1.1 403 No\r\n\r\n");

        Assert.Equal(threat, ScanAssert.Is<ScanResult.Infected>(result).ThreatName);
    }

    [Fact]
    public async Task A_server_that_never_answers_is_failed_within_the_scan_timeout()
    {
        var time = new FakeTimeProvider();
        var hanging = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var scan = ScanAgainstAsync(GoodOptions, null, TimeSpan.FromMilliseconds(500), time, hanging);
        await hanging.Task.WaitAsync(TimeSpan.FromSeconds(30));
        time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.False(scan.IsCompleted, "the scan waits the whole timeout");
        time.Advance(TimeSpan.FromMilliseconds(1));

        var result = await scan.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("did not answer within 0.5 s", ScanAssert.Is<ScanResult.Failed>(result).Why, StringComparison.Ordinal);
    }

    /// <summary>
    /// A hand-rolled peer that answers OPTIONS with <paramref name="options"/> and any other request with
    /// <paramref name="reply"/> (null: never, and <paramref name="hanging"/> is set once the request is in), then closes:
    /// our parser against hostile input, not a stand-in for a product.
    /// </summary>
    private static async Task<ScanResult> ScanAgainstAsync(string options, string? reply, TimeSpan? scanTimeout = null,
        TimeProvider? time = null, TaskCompletionSource? hanging = null)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var stop = new CancellationTokenSource();
        var peer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var client = await listener.AcceptTcpClientAsync(stop.Token);
                var stream = client.GetStream();
                var request = await ReadHeadAsync(stream, stop.Token);
                // Reads the body too (up to the last chunk), so the reply does not race our sending.
                if (request.Contains("res-body=", StringComparison.Ordinal)) await ReadHeadAsync(stream, stop.Token, "\r\n0\r\n\r\n");
                if (request.StartsWith("OPTIONS", StringComparison.Ordinal)) await stream.WriteAsync(Encoding.ASCII.GetBytes(options), stop.Token);
                else if (reply is null)
                {
                    hanging?.TrySetResult();
                    await Task.Delay(Timeout.Infinite, stop.Token);
                }
                else await stream.WriteAsync(Encoding.ASCII.GetBytes(reply), stop.Token);
            }
        });
        try
        {
            await using var scanner = new IcapScanner(new ScannerOptions
            {
                Kind = ScannerKind.Icap,
                Address = $"icap://127.0.0.1:{port}/avscan",
                ScanTimeout = scanTimeout ?? TimeSpan.FromSeconds(10),
            }, time);
            return await scanner.ScanAsync(new MemoryStream(Samples.Get("clean")), default).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            stop.Cancel();
            try { await peer; } catch (OperationCanceledException) { }
        }
    }

    private static async Task<string> ReadHeadAsync(NetworkStream stream, CancellationToken ct, string end = "\r\n\r\n")
    {
        var head = new StringBuilder();
        var buffer = new byte[1];
        while (!(head.Length >= end.Length && head.ToString(head.Length - end.Length, end.Length) == end) && await stream.ReadAsync(buffer, ct) > 0)
        {
            head.Append((char)buffer[0]);
        }
        return head.ToString();
    }
}
