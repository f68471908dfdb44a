using System.Diagnostics;
using Rampart.Mail;
using Rampart.Mail.Metrics;

namespace Rampart.Policy;

/// <summary>
/// The ordered filters of one listener, per stage. The first decisive verdict wins. At RCPT the
/// default is refusal: a recipient passes only if some filter accepts it, so a chain that forgets
/// its relay filter is closed, not open (Haraka's rule). With <paramref name="metrics"/>, each filter's time at each
/// stage is recorded (rampart_filter_duration_seconds{filter}).
/// </summary>
public sealed class PolicyChain(IReadOnlyList<IFilter> filters, RampartMetrics? metrics = null)
{
    private readonly Staged<IConnectFilter>[] connect = Stage<IConnectFilter>(filters, metrics);
    private readonly Staged<IHeloFilter>[] helo = Stage<IHeloFilter>(filters, metrics);
    private readonly Staged<IMailFromFilter>[] mailFrom = Stage<IMailFromFilter>(filters, metrics);
    private readonly Staged<IRcptToFilter>[] rcptTo = Stage<IRcptToFilter>(filters, metrics);
    private readonly Staged<IAcceptedRcptFilter>[] acceptedRcpt = Stage<IAcceptedRcptFilter>(filters, metrics);
    private readonly Staged<IMessageFilter>[] message = Stage<IMessageFilter>(filters, metrics);

    public IReadOnlyList<IFilter> Filters => filters;

    /// <summary>A filter of one stage with its metric tags, made once with the chain: a filter call costs no lookup.</summary>
    private readonly record struct Staged<T>(T Filter, KeyValuePair<string, object?>[]? Tags) where T : IFilter;

    private static Staged<T>[] Stage<T>(IReadOnlyList<IFilter> filters, RampartMetrics? metrics) where T : IFilter =>
        [.. filters.OfType<T>().Select(f => new Staged<T>(f, metrics?.FilterTags(f.Name)))];

    /// <summary>A filter's call that began at <paramref name="started"/> (a <see cref="Stopwatch"/> timestamp) has returned.</summary>
    private void Timed(KeyValuePair<string, object?>[]? tags, long started)
    {
        if (tags is not null) metrics?.FilterDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
    }

    public bool HasMessageFilters => message.Length > 0;

    public async ValueTask<Verdict> ConnectAsync(SessionFacts session, CancellationToken ct)
    {
        foreach (var (f, tags) in connect)
        {
            long started = Stopwatch.GetTimestamp();
            var v = await f.OnConnectAsync(session, ct);
            Timed(tags, started);
            if (Decides(v)) return v;
        }
        return Verdict.Next;
    }

    public async ValueTask<Verdict> HeloAsync(SessionFacts session, CancellationToken ct)
    {
        foreach (var (f, tags) in helo)
        {
            long started = Stopwatch.GetTimestamp();
            var v = await f.OnHeloAsync(session, ct);
            Timed(tags, started);
            if (Decides(v)) return v;
        }
        return Verdict.Next;
    }

    public async ValueTask<Verdict> MailFromAsync(SessionFacts session, Sender sender, CancellationToken ct)
    {
        foreach (var (f, tags) in mailFrom)
        {
            long started = Stopwatch.GetTimestamp();
            var v = await f.OnMailFromAsync(session, sender, ct);
            Timed(tags, started);
            if (Decides(v)) return v;
        }
        return Verdict.Next;
    }

    /// <summary>
    /// The RCPT filters decide; a recipient one of them accepted is then shown to the accepted-recipient filters
    /// (<see cref="IAcceptedRcptFilter"/>), in order, and the first deferral wins. A refusal is never shown to them.
    /// </summary>
    public async ValueTask<Verdict> RcptToAsync(SessionFacts session, Sender sender, Recipient recipient, CancellationToken ct)
    {
        foreach (var (f, tags) in rcptTo)
        {
            long started = Stopwatch.GetTimestamp();
            var v = await f.OnRcptToAsync(session, sender, recipient, ct);
            Timed(tags, started);
            if (v is Verdict.Accept) return await AcceptedAsync(session, sender, recipient, v, ct);
            if (Decides(v)) return v;
        }
        return new Verdict.Reject(PolicyReplies.RelayDenied);
    }

    private async ValueTask<Verdict> AcceptedAsync(SessionFacts session, Sender sender, Recipient recipient, Verdict accept, CancellationToken ct)
    {
        foreach (var (f, tags) in acceptedRcpt)
        {
            long started = Stopwatch.GetTimestamp();
            var deferral = await f.OnAcceptedRcptAsync(session, sender, recipient, ct);
            Timed(tags, started);
            if (deferral is not null) return deferral;
        }
        return accept;
    }

    /// <summary>
    /// A discard (<see cref="Verdict.Discard"/>) means something only once there is a message: at an envelope stage it
    /// is no opinion. Above all at RCPT, where a decisive verdict that is not a refusal would let a recipient past the
    /// relay filter.
    /// </summary>
    private static bool Decides(Verdict v) => v.IsDecisive && v is not Verdict.Discard;

    /// <summary>
    /// Unlike the other stages, a quarantine does not end this one: the later filters still judge the message, so
    /// a refusal still refuses it, and a released message has passed every filter but the ones that held it.
    /// A discard ends the stage as a refusal does, and wins over a quarantine an earlier filter asked for: the
    /// administrator's rule said this message goes nowhere, and a hold would keep (and let an administrator release)
    /// what was meant to be dropped. The filters after a discard do not run, so a later refusal or hold never happens:
    /// the client has its 250, which is the point of discarding (no bounce, no retry, nothing told to the sender),
    /// and a filter that would have refused it is not asked to judge a message nobody will receive.
    /// </summary>
    public async ValueTask<Verdict> MessageAsync(MessageContext context, CancellationToken ct)
    {
        List<(string Filter, string Reason)>? holds = null;
        foreach (var (f, tags) in message)
        {
            // A filter may have awaited a socket (Rspamd, clamd, DNS): the next one starts on the pool again.
            await EventThreads.LeaveAsync();
            long started = Stopwatch.GetTimestamp();
            var v = await f.OnMessageAsync(context, ct);
            Timed(tags, started);
            if (v is Verdict.Quarantine q)
            {
                (holds ??= []).Add((q.Filters is [var named] ? named : f.Name, q.Reason));
                continue;
            }
            if (v.IsDecisive) return v;
        }
        return holds is null ? Verdict.Next
            : new Verdict.Quarantine(string.Join("; ", holds.Select(h => h.Reason))) { Filters = holds.Select(h => h.Filter).ToList() };
    }
}
