using Microsoft.Extensions.Logging;
using Rampart.Configuration;
using Rampart.Mail;
using Rampart.Policy.Antivirus;
using Rampart.Queue;
using Rampart.Queue.Quarantine;

namespace Rampart.Gateway;

/// <summary>What one rescan did.</summary>
public sealed record RescanSummary(int Scanned, int Released, int Infected, int StillClean, int Failed);

/// <summary>
/// Scans held messages again with every configured scanner: once the signatures change (the nightly database scan
/// of the seeds), once a day anyway, and at every check for messages held only because no scanner could answer.
/// A message held for want of a scan is released when it comes out clean; a virus found now is added to the hold,
/// so nobody releases it by mistake; a message held for another reason stays held (an administrator decides).
/// </summary>
public sealed partial class QuarantineRescanner(QuarantineStore store, VirusScanService scanners, ILogger logger, TimeProvider clock)
{
    public async Task<RescanSummary> RescanAsync(IEnumerable<QueuedMessage> held, CancellationToken ct, Action<QueuedMessage, string>? report = null)
    {
        int scanned = 0, released = 0, infected = 0, clean = 0, failed = 0;
        foreach (var message in held)
        {
            if (message.Envelope.Quarantine is not { } hold) continue;
            scanned++;
            ScanReport result;
            try
            {
                result = await scanners.ScanAsync(message.OpenContent, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Released or deleted meanwhile, or unreadable: this one is skipped, the others are still scanned.
                failed++;
                RescanLog.RescanOfMessageFailed(logger, ex, message.QueueId);
                report?.Invoke(message, "not scanned: " + ex.Message);
                continue;
            }
            string outcome;
            if (result.FirstInfected is { Result: ScanResult.Infected virus } found)
            {
                infected++;
                var reason = QuarantineReason.Virus(AntivirusFilter.Safe(virus.ThreatName), found.Scanner);
                outcome = reason.Text;
                if (!hold.Mentions(reason))
                {
                    await store.UpdateHoldAsync(message, hold.Adding(reason, clock.GetUtcNow()), ct);
                    RescanLog.RescanFoundThreat(logger, message.QueueId, LogText.Escape(reason.Text));
                }
            }
            else if (result.IsClean && hold.AwaitingScan)
            {
                released++;
                outcome = "clean: released";
                if (await store.ReleaseAsync(message.QueueId, ct)) RescanLog.RescanReleased(logger, message.QueueId);
            }
            else if (result.IsClean)
            {
                clean++;
                outcome = "clean: still held for " + string.Join(", ", hold.Filters);
            }
            else
            {
                failed++;
                outcome = "not scanned: " + (result.FirstFailed?.Result is ScanResult.Failed f ? $"{result.FirstFailed.Scanner}: {f.Why}" : "no verdict");
            }
            report?.Invoke(message, outcome);
        }
        return new RescanSummary(scanned, released, infected, clean, failed);
    }

    /// <summary>The schedule, until <paramref name="ct"/> ends it.</summary>
    public async Task RunAsync(QuarantineOptions options, CancellationToken ct)
    {
        string?[]? lastVersions = null;
        var lastFull = DateTimeOffset.MinValue;
        using var timer = new PeriodicTimer(options.RescanCheck, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                try
                {
                    var versions = await Task.WhenAll(scanners.Scanners.Select(s => s.SignatureVersionAsync(ct).AsTask()));
                    // Unknown versions (a scanner down) are no change: the messages stay held until it answers.
                    bool changed = lastVersions is null || versions.Where((v, i) => v is not null && v != lastVersions[i]).Any();
                    bool due = options.RescanEvery is { } every && clock.GetUtcNow() - lastFull >= every;
                    var held = store.List();
                    if (changed || due)
                    {
                        if (held.Count > 0) RescanLog.RescanStarted(logger, held.Count, changed ? "signatures changed" : "daily rescan");
                        await RescanAsync(held, ct);
                        lastFull = clock.GetUtcNow();
                        lastVersions = versions.Select((v, i) => v ?? lastVersions?[i]).ToArray();
                    }
                    else
                    {
                        await RescanAsync(held.Where(m => m.Envelope.Quarantine?.AwaitingScan == true), ct);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Whatever it was, the schedule goes on: messages held for a scan must not wait for a restart.
                    RescanLog.RescanFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static partial class RescanLog
    {
        [LoggerMessage(EventCatalogue.RescanStarted, LogLevel.Information, "Quarantine rescan of {Count} held messages: {Why}")]
        public static partial void RescanStarted(ILogger logger, int count, string why);

        [LoggerMessage(EventCatalogue.RescanReleased, LogLevel.Information, "{QueueId} was held until it could be scanned; clean now, released")]
        public static partial void RescanReleased(ILogger logger, string queueId);

        [LoggerMessage(EventCatalogue.RescanFoundThreat, LogLevel.Warning, "{QueueId} in quarantine: rescan found {Reason}")]
        public static partial void RescanFoundThreat(ILogger logger, string queueId, string reason);

        [LoggerMessage(EventCatalogue.RescanOfMessageFailed, LogLevel.Error, "Quarantine rescan of {QueueId} failed; the others go on")]
        public static partial void RescanOfMessageFailed(ILogger logger, Exception exception, string queueId);

        [LoggerMessage(EventCatalogue.RescanFailed, LogLevel.Error, "Quarantine rescan failed; trying again at the next check")]
        public static partial void RescanFailed(ILogger logger, Exception exception);
    }
}
