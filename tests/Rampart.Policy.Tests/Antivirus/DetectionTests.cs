using Rampart.Policy.Antivirus;
using Rampart.Testing.Processes;

namespace Rampart.Policy.Tests.Antivirus;

/// <summary>Every sample through real clamd (TCP and unix socket) and through real c-icap in front of clamd.</summary>
[Collection(AntivirusCollection.Name)]
public sealed class DetectionTests(AntivirusServers servers)
{
    public static TheoryData<string, string> InfectedSamples()
    {
        var data = new TheoryData<string, string>();
        foreach (var sample in Samples.Infected)
        {
            foreach (var scanner in new[] { "clamd", "clamd-unix", "icap" }) data.Add(sample, scanner);
        }
        return data;
    }

    private ScannerOptions Options(string scanner) => scanner switch
    {
        "clamd" => servers.ClamdTcp,
        "clamd-unix" => servers.ClamdUnix,
        _ => servers.IcapService,
    };

    [Theory]
    [MemberData(nameof(InfectedSamples))]
    public async Task Infected_samples_are_found(string sample, string scanner)
    {
        await using var service = new VirusScanService([Options(scanner).CreateScanner()]);
        var bytes = Samples.Get(sample);

        var report = await service.ScanAsync(() => new MemoryStream(bytes), default).WaitAsync(TimeSpan.FromSeconds(60));

        var result = ScanAssert.Is<ScanResult.Infected>(Assert.Single(report.Verdicts).Result);
        Assert.Equal(sample == "custom-marker" ? ClamdServer.CustomName : ClamdServer.EicarBodyName, result.ThreatName);
    }

    [Theory]
    [InlineData("clamd")]
    [InlineData("clamd-unix")]
    [InlineData("icap")]
    public async Task A_clean_message_passes_the_filter(string scanner)
    {
        var options = new AntivirusOptions { Scanners = [Options(scanner)] };
        await using var service = VirusScanService.Create(options);
        var filter = new AntivirusFilter(service, options);

        var verdict = await filter.OnMessageAsync(AntivirusServers.Message(Samples.Get("clean")), default);

        Assert.IsType<Verdict.Continue>(verdict);
    }

    [Theory]
    [InlineData("clamd")]
    [InlineData("icap")]
    public async Task Empty_and_one_byte_content_is_clean(string scanner)
    {
        var created = Options(scanner).CreateScanner();
        await using var _ = (IAsyncDisposable)created;
        ScanAssert.Is<ScanResult.Clean>(await created.ScanAsync(new MemoryStream([]), default));
        ScanAssert.Is<ScanResult.Clean>(await created.ScanAsync(new MemoryStream("x"u8.ToArray()), default));
    }

    [Fact]
    public async Task Content_that_is_not_seekable_is_scanned_too()
    {
        // The preview (RFC 3507 §4.5) must learn where the content ends by reading, not from its length.
        foreach (var options in new[] { servers.ClamdTcp, servers.IcapService })
        {
            var scanner = options.CreateScanner();
            await using var _ = (IAsyncDisposable)scanner;
            var big = Samples.Get("base64-76").Concat(new byte[200_000]).ToArray();
            ScanAssert.Is<ScanResult.Infected>(await scanner.ScanAsync(new ForwardOnlyStream(big), default));
            ScanAssert.Is<ScanResult.Clean>(await scanner.ScanAsync(new ForwardOnlyStream(Samples.Get("clean")), default));
        }
    }
}

/// <summary>A stream that can only be read forward, like a network body.</summary>
internal sealed class ForwardOnlyStream(byte[] bytes) : Stream
{
    private readonly MemoryStream inner = new(bytes);
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, 1000));
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
