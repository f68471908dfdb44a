using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Rampart.Mail;
using Rampart.Policy.Antivirus;

namespace Rampart.Policy.Tests.Antivirus;

/// <summary>
/// What the antivirus filter logs, with its event ids (5001–5003) and the same words as before they had ids, and
/// the quarantine verdicts it gives under <see cref="QuarantineReason"/>'s hold names. Scanners are scripted here;
/// <see cref="AntivirusFilterTests"/> runs the same decisions against a real clamd and c-icap.
/// </summary>
public sealed class AntivirusFilterLogTests
{
    private static readonly ScannerOptions Clamd = new() { Kind = ScannerKind.Clamd, Address = "127.0.0.1:3310", Name = "clamd", MaxScanBytes = 1000 };

    private static async Task<(Verdict Verdict, FakeLogRecord Log)> JudgeAsync(ScanResult answer, AntivirusOptions options, int size = 100)
    {
        var logger = new FakeLogger();
        await using var service = new VirusScanService([new ScriptedScanner("clamd") { Answer = answer }]);
        var verdict = await new AntivirusFilter(service, options with { Scanners = [Clamd] }, logger)
            .OnMessageAsync(AntivirusServers.Message(new byte[size]), default);
        return (verdict, Assert.Single(logger.Collector.GetSnapshot()));
    }

    [Fact]
    public async Task A_virus_is_logged_as_5001_and_held_under_the_virus_hold()
    {
        var (verdict, log) = await JudgeAsync(new ScanResult.Infected("Eicar\r\nSignature"), new AntivirusOptions { OnInfected = InfectedAction.Quarantine });

        Assert.Equal((5001, LogLevel.Warning), (log.Id.Id, log.Level));
        Assert.Equal("Q1: virus Eicar??Signature found by clamd (cached: False)", log.Message);
        var held = Assert.IsType<Verdict.Quarantine>(verdict);
        Assert.Equal(("virus: Eicar??Signature (clamd)", QuarantineReason.VirusHold), (held.Reason, Assert.Single(held.Filters)));
    }

    [Fact]
    public async Task Too_big_to_scan_is_logged_as_5002_and_held_under_the_too_large_hold()
    {
        var (verdict, log) = await JudgeAsync(ScanResult.Ok, new AntivirusOptions { OnTooLarge = TooLargeAction.Quarantine }, size: 2000);

        Assert.Equal((5002, LogLevel.Warning), (log.Id.Id, log.Level));
        Assert.Equal("Q1: 2000 bytes is too big for scanner clamd (at most 1000): Quarantine", log.Message);
        var held = Assert.IsType<Verdict.Quarantine>(verdict);
        Assert.Equal(("too-large-to-scan: 2000 bytes, clamd takes at most 1000", QuarantineReason.TooLargeHold), (held.Reason, Assert.Single(held.Filters)));
    }

    [Fact]
    public async Task No_verdict_is_logged_as_5003_and_held_for_a_rescan()
    {
        var (verdict, log) = await JudgeAsync(new ScanResult.Failed("connection refused"), new AntivirusOptions { OnFailure = ScanFailureAction.Quarantine });

        Assert.Equal((5003, LogLevel.Error), (log.Id.Id, log.Level));
        Assert.Equal("Q1: scanner clamd gave no verdict: connection refused", log.Message);
        var held = Assert.IsType<Verdict.Quarantine>(verdict);
        Assert.Equal(("scan-failed: clamd: connection refused", QuarantineReason.ScanPendingHold), (held.Reason, Assert.Single(held.Filters)));
    }

    [Fact]
    public async Task Refusals_carry_the_named_replies()
    {
        Assert.Equal(AntivirusReplies.VirusFound("Eicar", "clamd").ToString(),
            Assert.IsType<Verdict.Reject>((await JudgeAsync(new ScanResult.Infected("Eicar"), new AntivirusOptions())).Verdict).Reply.ToString());
        Assert.Same(AntivirusReplies.Unavailable,
            Assert.IsType<Verdict.TempFail>((await JudgeAsync(new ScanResult.Failed("down"), new AntivirusOptions())).Verdict).Reply);
    }
}
