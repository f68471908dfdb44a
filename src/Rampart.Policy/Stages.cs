using Rampart.Mail;

namespace Rampart.Policy;

/// <summary>One small interface per stage; a filter implements only the stages it cares about.</summary>
public interface IFilter
{
    /// <summary>Shown in logs and in configuration errors.</summary>
    string Name { get; }
}

public interface IConnectFilter : IFilter
{
    ValueTask<Verdict> OnConnectAsync(SessionFacts session, CancellationToken ct);
}

public interface IHeloFilter : IFilter
{
    ValueTask<Verdict> OnHeloAsync(SessionFacts session, CancellationToken ct);
}

public interface IMailFromFilter : IFilter
{
    ValueTask<Verdict> OnMailFromAsync(SessionFacts session, Sender sender, CancellationToken ct);
}

public interface IRcptToFilter : IFilter
{
    ValueTask<Verdict> OnRcptToAsync(SessionFacts session, Sender sender, Recipient recipient, CancellationToken ct);
}

/// <summary>
/// Runs at RCPT on a recipient the RCPT filters have accepted (relay, then recipient validation), so it never judges
/// an unknown user or a relay attempt: those were refused already. It may only defer the recipient or say nothing
/// (null), which the return type enforces: the accept and any refusal stay the RCPT filters' job. Greylisting is the
/// case: delaying a recipient that will be refused anyway only teaches a harvester to come back, and stores a triplet.
/// </summary>
public interface IAcceptedRcptFilter : IFilter
{
    ValueTask<Verdict.TempFail?> OnAcceptedRcptAsync(SessionFacts session, Sender sender, Recipient recipient, CancellationToken ct);
}

/// <summary>Runs once the content is complete and on disk, before the 250.</summary>
public interface IMessageFilter : IFilter
{
    ValueTask<Verdict> OnMessageAsync(MessageContext message, CancellationToken ct);
}
