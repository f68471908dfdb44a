using Rampart.Mail;

namespace Rampart.Policy;

/// <summary>
/// The ordered filters of one listener, per stage. The first decisive verdict wins. At RCPT the
/// default is refusal: a recipient passes only if some filter accepts it, so a chain that forgets
/// its relay filter is closed, not open (Haraka's rule).
/// </summary>
public sealed class PolicyChain(IReadOnlyList<IFilter> filters)
{
    private readonly IConnectFilter[] connect = filters.OfType<IConnectFilter>().ToArray();
    private readonly IHeloFilter[] helo = filters.OfType<IHeloFilter>().ToArray();
    private readonly IMailFromFilter[] mailFrom = filters.OfType<IMailFromFilter>().ToArray();
    private readonly IRcptToFilter[] rcptTo = filters.OfType<IRcptToFilter>().ToArray();
    private readonly IAcceptedRcptFilter[] acceptedRcpt = filters.OfType<IAcceptedRcptFilter>().ToArray();
    private readonly IMessageFilter[] message = filters.OfType<IMessageFilter>().ToArray();

    public IReadOnlyList<IFilter> Filters => filters;

    public bool HasMessageFilters => message.Length > 0;

    public async ValueTask<Verdict> ConnectAsync(SessionFacts session, CancellationToken ct)
    {
        foreach (var f in connect)
        {
            var v = await f.OnConnectAsync(session, ct);
            if (v.IsDecisive) return v;
        }
        return Verdict.Next;
    }

    public async ValueTask<Verdict> HeloAsync(SessionFacts session, CancellationToken ct)
    {
        foreach (var f in helo)
        {
            var v = await f.OnHeloAsync(session, ct);
            if (v.IsDecisive) return v;
        }
        return Verdict.Next;
    }

    public async ValueTask<Verdict> MailFromAsync(SessionFacts session, Sender sender, CancellationToken ct)
    {
        foreach (var f in mailFrom)
        {
            var v = await f.OnMailFromAsync(session, sender, ct);
            if (v.IsDecisive) return v;
        }
        return Verdict.Next;
    }

    /// <summary>
    /// The RCPT filters decide; a recipient one of them accepted is then shown to the accepted-recipient filters
    /// (<see cref="IAcceptedRcptFilter"/>), in order, and the first deferral wins. A refusal is never shown to them.
    /// </summary>
    public async ValueTask<Verdict> RcptToAsync(SessionFacts session, Sender sender, Recipient recipient, CancellationToken ct)
    {
        foreach (var f in rcptTo)
        {
            var v = await f.OnRcptToAsync(session, sender, recipient, ct);
            if (v is Verdict.Accept) return await AcceptedAsync(session, sender, recipient, v, ct);
            if (v.IsDecisive) return v;
        }
        return new Verdict.Reject(PolicyReplies.RelayDenied);
    }

    private async ValueTask<Verdict> AcceptedAsync(SessionFacts session, Sender sender, Recipient recipient, Verdict accept, CancellationToken ct)
    {
        foreach (var f in acceptedRcpt)
        {
            if (await f.OnAcceptedRcptAsync(session, sender, recipient, ct) is { } deferral) return deferral;
        }
        return accept;
    }

    /// <summary>
    /// Unlike the other stages, a quarantine does not end this one: the later filters still judge the message, so
    /// a refusal still refuses it, and a released message has passed every filter but the ones that held it.
    /// </summary>
    public async ValueTask<Verdict> MessageAsync(MessageContext context, CancellationToken ct)
    {
        List<(string Filter, string Reason)>? holds = null;
        foreach (var f in message)
        {
            var v = await f.OnMessageAsync(context, ct);
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
