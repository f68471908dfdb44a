using Rampart.Policy.Antivirus;

namespace Rampart.Policy.Tests.Antivirus;

public sealed class AntivirusOptionsTests
{
    [Fact]
    public void Valid_options_have_no_errors()
    {
        var options = new AntivirusOptions
        {
            Scanners =
            [
                new() { Kind = ScannerKind.Clamd, Address = "127.0.0.1:3310" },
                new() { Kind = ScannerKind.Clamd, Address = "unix:/run/clamav/clamd.ctl", Name = "local" },
                new() { Kind = ScannerKind.Icap, Address = "icap://av.example.test/avscan" },
            ],
        };

        Assert.Empty(AntivirusOptions.Validate(options));
    }

    [Fact]
    public void Each_problem_is_named_by_its_key()
    {
        var options = new AntivirusOptions
        {
            Scanners =
            [
                new() { Kind = ScannerKind.Clamd, Address = "no port here", ScanTimeout = TimeSpan.Zero },
                new() { Kind = ScannerKind.Icap, Address = "http://av.example.test/avscan", MaxScanBytes = 0 },
                new() { Kind = ScannerKind.Clamd, Address = "clamd.example.test:3310" },
            ],
            CacheSize = -1,
        };

        var errors = AntivirusOptions.Validate(options);

        Assert.Contains(errors, e => e.StartsWith("scanners[0].address:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("scanners[0].scan_timeout:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("scanners[1].address:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("scanners[1].max_scan_bytes:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("more than one scanner is named 'clamd'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("cache_size:", StringComparison.Ordinal));
        Assert.Contains("scanners: at least one scanner is required", AntivirusOptions.Validate(new AntivirusOptions()));
    }
}
