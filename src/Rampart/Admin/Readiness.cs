using Microsoft.Extensions.Logging;
using Rampart.Mail;

namespace Rampart.Admin;

/// <summary>One reason not to be ready: <paramref name="Cause"/> is stable (what a change is judged by), the text says the figures.</summary>
public sealed record ReadinessProblem(string Cause, string Text);

/// <summary>
/// Whether a load balancer should send mail here (/health/ready), and if not, why: the gateway is stopping, it is still
/// reading the queue left by its last run, it is short of queue disk or memory (MAIL FROM gets 452 4.3.1), or a scanner that mail waits for (on_failure:
/// tempfail) does not answer (mail gets 451 4.7.1). The endpoint is open to anyone who reaches the admin listener,
/// so one evaluation serves every request of the same second: a flood of probes costs no more scanner connections
/// than one prober. Each change of the answer is logged once.
/// </summary>
public sealed partial class Readiness(Gateway.Gateway gateway, ILogger logger, TimeProvider clock)
{
    /// <summary>How long one answer is reused: load balancers probe every few seconds, attackers as fast as they can.</summary>
    private static readonly TimeSpan FreshFor = TimeSpan.FromSeconds(1);

    /// <summary>A scanner that has not answered by then is down, as far as a load balancer cares.</summary>
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    private readonly SemaphoreSlim evaluating = new(1, 1);
    private IReadOnlyList<ReadinessProblem>? last;
    private DateTimeOffset lastAt = DateTimeOffset.MinValue;

    /// <summary>The reasons not to send mail here; empty when ready.</summary>
    public async Task<IReadOnlyList<ReadinessProblem>> ProblemsAsync(CancellationToken ct)
    {
        await evaluating.WaitAsync(ct);
        try
        {
            if (last is not null && clock.GetUtcNow() - lastAt < FreshFor) return last;
            var problems = await EvaluateAsync(ct);
            Report(last, problems);
            last = problems;
            lastAt = clock.GetUtcNow();
            return problems;
        }
        finally
        {
            evaluating.Release();
        }
    }

    private async Task<IReadOnlyList<ReadinessProblem>> EvaluateAsync(CancellationToken ct)
    {
        var problems = new List<ReadinessProblem>();
        if (gateway.IsDraining) problems.Add(new("draining", "draining: the gateway is stopping"));
        // Sessions are taken meanwhile, but a message's content waits for the spool's read (seconds with a big queue):
        // a load balancer has a ready gateway beside this one to send to.
        if (!gateway.Recovery.IsCompleted) problems.Add(new("recovering", "recovering: the queue left by the last run is being read (new messages wait at DATA)"));
        if (gateway.Shortage() is { } shortage) problems.Add(new("back pressure", $"back pressure: {shortage} (MAIL FROM is answered 452 4.3.1)"));
        var scanners = gateway.RequiredScanners();
        using var timeout = new CancellationTokenSource(ProbeTimeout, clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        var answers = await Task.WhenAll(scanners.Select(s => ProbeAsync(s, linked.Token, ct)));
        for (int i = 0; i < scanners.Count; i++)
        {
            if (answers[i] is { } why) problems.Add(new($"scanner down: {scanners[i].Name}", $"scanner down: {scanners[i].Name} {why} (mail is answered 451 4.7.1)"));
        }
        return problems;
    }

    /// <summary>
    /// Null when the scanner answered, else why not. A scanner that accepts and never answers (a hung clamd) is cut
    /// off by <paramref name="probe"/>'s timeout; the scanners re-throw a cancelled token rather than return, so the
    /// timeout is turned into a down scanner here. Only the caller's own cancellation (<paramref name="ct"/>: the
    /// request aborted) still throws.
    /// </summary>
    private static async Task<string?> ProbeAsync(Gateway.RequiredScanner scanner, CancellationToken probe, CancellationToken ct)
    {
        try
        {
            return await scanner.AnswersAsync(probe) ? null : "does not answer";
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return $"does not answer within {ProbeTimeout.TotalSeconds:0} s";
        }
    }

    private void Report(IReadOnlyList<ReadinessProblem>? before, IReadOnlyList<ReadinessProblem> now)
    {
        bool wasReady = before is null or { Count: 0 };
        if (now.Count == 0)
        {
            if (!wasReady) ReadyAgain(logger);
            return;
        }
        var text = LogText.Escape(string.Join("; ", now.Select(p => p.Text)));
        if (wasReady) NotReady(logger, text);
        else if (!before!.Select(p => p.Cause).SequenceEqual(now.Select(p => p.Cause))) ReadinessChanged(logger, text);
    }

    [LoggerMessage(EventCatalogue.NotReady, LogLevel.Warning, "Not ready for mail: {Reasons}")]
    private static partial void NotReady(ILogger logger, string reasons);

    [LoggerMessage(EventCatalogue.ReadyAgain, LogLevel.Information, "Ready for mail again")]
    private static partial void ReadyAgain(ILogger logger);

    [LoggerMessage(EventCatalogue.ReadinessChanged, LogLevel.Warning, "Still not ready for mail, now: {Reasons}")]
    private static partial void ReadinessChanged(ILogger logger, string reasons);
}
