using Microsoft.Extensions.Time.Testing;
using Rampart.Policy.Antivirus;
using Rampart.Testing.Processes;

namespace Rampart.Policy.Tests.Antivirus;

[Collection(AntivirusCollection.Name)]
public sealed class ClamdScannerTests(AntivirusServers servers)
{
    [Fact]
    public async Task Fifty_scans_share_a_few_pooled_sessions()
    {
        await using var scanner = new ClamdScanner(servers.ClamdTcp);
        var clean = Samples.Get("clean");
        var infected = Samples.Get("base64-64");

        for (var i = 0; i < 50; i++)
        {
            var result = await scanner.ScanAsync(new MemoryStream(i % 5 == 0 ? infected : clean), default);
            Assert.True(i % 5 == 0 ? result is ScanResult.Infected : result is ScanResult.Clean, $"scan {i}: {result}");
        }
        // In parallel: at most as many sessions as scans in flight.
        var parallel = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => scanner.ScanAsync(new MemoryStream(clean), default).AsTask()));

        Assert.All(parallel, r => ScanAssert.Is<ScanResult.Clean>(r));
        Assert.Equal(58, scanner.ScansSent);
        Assert.InRange(scanner.ConnectionsOpened, 1, 9);
        Assert.StartsWith("ClamAV ", await scanner.SignatureVersionAsync(default));
    }

    [Fact]
    public async Task A_stream_above_clamds_stream_max_length_fails_and_is_never_clean()
    {
        // The fixture's clamd takes 4 MiB; ours would send up to 100 MiB, so clamd is the one that refuses mid-send.
        await using var scanner = new ClamdScanner(servers.ClamdTcp with { MaxScanBytes = 100L * 1024 * 1024 });
        var big = new byte[6 * 1024 * 1024];
        Array.Fill(big, (byte)'a');

        var result = await scanner.ScanAsync(new MemoryStream(big), default).AsTask().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Contains("size limit", ScanAssert.Is<ScanResult.Failed>(result).Why, StringComparison.OrdinalIgnoreCase);
        // The session clamd ended is not reused.
        ScanAssert.Is<ScanResult.Clean>(await scanner.ScanAsync(new MemoryStream(Samples.Get("clean")), default));
    }

    [Fact]
    public async Task Content_above_max_scan_bytes_is_failed_without_being_sent()
    {
        await using var scanner = new ClamdScanner(servers.ClamdTcp with { MaxScanBytes = 1000 });

        var seekable = await scanner.ScanAsync(new MemoryStream(new byte[2000]), default);
        var forwardOnly = await scanner.ScanAsync(new ForwardOnlyStream(new byte[200_000]), default);

        Assert.Contains("max scan bytes", ScanAssert.Is<ScanResult.Failed>(seekable).Why, StringComparison.Ordinal);
        Assert.Contains("max scan bytes", ScanAssert.Is<ScanResult.Failed>(forwardOnly).Why, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signature_added_at_run_time_is_used_after_reload_by_a_pooled_session()
    {
        await using var clamd = await ClamdServer.StartAsync();
        await using var scanner = new ClamdScanner(new ScannerOptions { Kind = ScannerKind.Clamd, Address = clamd.SocketPath });
        var message = Samples.Get("clean").Concat("RAMPART-LATE-SIGNATURE-0042"u8.ToArray()).ToArray();
        ScanAssert.Is<ScanResult.Clean>(await scanner.ScanAsync(new MemoryStream(message), default));

        await clamd.AddSignatureAsync("Rampart.Test.Late", "RAMPART-LATE-SIGNATURE-0042");

        var found = ScanAssert.Is<ScanResult.Infected>(await scanner.ScanAsync(new MemoryStream(message), default));
        Assert.Equal("Rampart.Test.Late.UNOFFICIAL", found.ThreatName);
    }

    [Fact]
    public async Task Nothing_listening_is_failed_quickly()
    {
        await using var scanner = new ClamdScanner(new ScannerOptions { Kind = ScannerKind.Clamd, Address = $"127.0.0.1:{Rampart.Testing.FreePort.Next()}" });

        ScanAssert.Is<ScanResult.Failed>(await scanner.ScanAsync(new MemoryStream(Samples.Get("clean")), default).AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Null(await scanner.SignatureVersionAsync(default));
    }

    [Fact]
    public async Task A_clamd_that_accepts_and_never_answers_is_failed_within_the_scan_timeout()
    {
        using var hung = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        hung.Start();
        var time = new FakeTimeProvider();
        await using var scanner = new ClamdScanner(new ScannerOptions
        {
            Kind = ScannerKind.Clamd,
            Address = $"127.0.0.1:{((System.Net.IPEndPoint)hung.LocalEndpoint).Port}",
            ScanTimeout = TimeSpan.FromMilliseconds(500),
        }, time);

        var scan = scanner.ScanAsync(new MemoryStream(Samples.Get("clean")), default).AsTask();
        // The whole INSTREAM is in (it ends with a zero-length chunk); no reply comes. Then the timeout passes.
        using var peer = await hung.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(20));
        await ReadUntilAsync(peer.GetStream(), [0, 0, 0, 0]);
        time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.False(scan.IsCompleted, "the scan waits the whole timeout");
        time.Advance(TimeSpan.FromMilliseconds(1));

        var result = await scan.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Contains("did not answer within 0.5 s", ScanAssert.Is<ScanResult.Failed>(result).Why, StringComparison.Ordinal);
    }

    private static async Task ReadUntilAsync(System.Net.Sockets.NetworkStream stream, byte[] end)
    {
        var seen = new List<byte>();
        var buffer = new byte[4096];
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (seen.Count < end.Length || !seen[^end.Length..].SequenceEqual(end))
        {
            int n = await stream.ReadAsync(buffer, bound.Token);
            Assert.True(n > 0, "the scanner closed the connection early");
            seen.AddRange(buffer.AsSpan(0, n));
        }
    }
}
