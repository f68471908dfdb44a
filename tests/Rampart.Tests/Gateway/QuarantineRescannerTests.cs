using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Rampart.Configuration;
using Rampart.Gateway;
using Rampart.Mail;
using Rampart.Policy;
using Rampart.Policy.Antivirus;
using Rampart.Queue;
using Rampart.Queue.Quarantine;
using Rampart.Smtp.Session;
using Rampart.Testing;

namespace Rampart.Tests.Gateway;

/// <summary>
/// The rescan of held messages, with a scripted scanner and the gateway's clock faked: what each outcome does to a
/// hold, and that the schedule runs at its check interval, not before.
/// </summary>
public sealed class QuarantineRescannerTests
{
    /// <summary>Gives every message one result, under one signature version.</summary>
    private sealed class ScriptedScanner(ScanResult result, string version = "v1") : IVirusScanner
    {
        public string Name => "scripted";

        public ValueTask<ScanResult> ScanAsync(Stream content, CancellationToken ct) => ValueTask.FromResult(result);

        public ValueTask<string?> SignatureVersionAsync(CancellationToken ct) => ValueTask.FromResult<string?>(version);
    }

    private static readonly FakeTimeProvider Clock = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task A_message_held_for_want_of_a_scan_is_released_when_it_comes_out_clean_and_others_stay_held()
    {
        await using var composition = Composition.Minimal();
        var store = new QuarantineStore(composition.Core.Queue.Root);
        var pending = await HoldAsync(composition, "antivirus unavailable", [QuarantineReason.ScanPendingHold]);
        var forAttachments = await HoldAsync(composition, "attachment: x.exe", ["attachments"]);
        var rescanner = new QuarantineRescanner(store, new VirusScanService([new ScriptedScanner(new ScanResult.Clean())]), NullLogger.Instance, Clock);

        var summary = await rescanner.RescanAsync(store.List(), default);

        Assert.Equal(new RescanSummary(Scanned: 2, Released: 1, Infected: 0, StillClean: 1, Failed: 0), summary);
        Assert.Null(store.Find(pending));
        Assert.NotNull(store.Find(forAttachments));
    }

    [Fact]
    public async Task A_virus_found_now_is_added_to_the_hold_so_nobody_releases_it_by_mistake()
    {
        await using var composition = Composition.Minimal();
        var store = new QuarantineStore(composition.Core.Queue.Root);
        var held = await HoldAsync(composition, "attachment: x.exe", ["attachments"]);
        var rescanner = new QuarantineRescanner(store, new VirusScanService([new ScriptedScanner(new ScanResult.Infected("Eicar-Test"))]),
            NullLogger.Instance, Clock);

        var summary = await rescanner.RescanAsync(store.List(), default);

        Assert.Equal(1, summary.Infected);
        var hold = store.Find(held)!.Envelope.Quarantine!;
        Assert.Equal("attachment: x.exe; virus: Eicar-Test (scripted)", hold.Reason);
        Assert.Equal(["attachments", "antivirus"], hold.Filters);
    }

    [Fact]
    public async Task The_schedule_rescans_at_its_first_check_and_not_before()
    {
        await using var composition = Composition.Minimal();
        var store = new QuarantineStore(composition.Core.Queue.Root);
        var pending = await HoldAsync(composition, "antivirus unavailable", [QuarantineReason.ScanPendingHold]);
        var clock = new FakeTimeProvider(Clock.GetUtcNow());
        var rescanner = new QuarantineRescanner(store, new VirusScanService([new ScriptedScanner(new ScanResult.Clean())]), NullLogger.Instance, clock);
        using var stop = new CancellationTokenSource();
        var options = new QuarantineOptions { RescanCheck = TimeSpan.FromMinutes(5) };

        var schedule = rescanner.RunAsync(options, stop.Token);
        clock.Advance(TimeSpan.FromMinutes(4));
        Assert.NotNull(store.Find(pending));
        clock.Advance(TimeSpan.FromMinutes(1));

        // The tick has fired; the rescan runs on the thread pool, so its effect is awaited (bounded), not a wall-clock timer.
        await BoundedWait.UntilAsync(() => store.Find(pending) is null, "the pending message released", TimeSpan.FromSeconds(10));
        await stop.CancelAsync();
        await schedule;
    }

    private static async Task<string> HoldAsync(Composition composition, string reason, IReadOnlyList<string> filters)
    {
        await using var writer = composition.Core.Queue.CreateWriter(QueueId.New(Clock));
        await writer.WriteAsync(Encoding.ASCII.GetBytes("Subject: held\r\n\r\nbody\r\n"), default);
        var transaction = new SmtpTransaction(new Sender("alice@sender.test"), Clock.GetUtcNow());
        var judgement = new Judgement(new Verdict.Quarantine(reason) { Filters = filters }, null);
        await new MessageCommitter(composition.Core.Delivery, NullLogger.Instance, Clock)
            .CommitAsync(Facts.Session(), transaction, writer, [new("bob@example.test")], judgement);
        return writer.QueueId;
    }
}
