using Rampart.Mail;

namespace Rampart.Policy;

/// <summary>
/// What a filter decides (postfix DUNNO/OK/REJECT, Haraka CONT/OK/DENY/DENYSOFT). The chain stops at
/// the first verdict that is not <see cref="Continue"/>.
/// </summary>
public abstract record Verdict
{
    private Verdict() { }

    /// <summary>No opinion: ask the next filter.</summary>
    public sealed record Continue : Verdict;

    /// <summary>Accepted at this stage: later filters of the same stage are skipped.</summary>
    public sealed record Accept : Verdict;

    /// <summary>Permanent refusal (5xx).</summary>
    public sealed record Reject(SmtpReply Reply) : Verdict;

    /// <summary>Temporary refusal (4xx): the client should try again later.</summary>
    public sealed record TempFail(SmtpReply Reply) : Verdict;

    /// <summary>
    /// Accept the message but hold it in quarantine instead of delivering it. <see cref="Filters"/> names the
    /// filters that held it (set by the chain), so a rescan knows which holds it may lift.
    /// </summary>
    public sealed record Quarantine(string Reason) : Verdict
    {
        public IReadOnlyList<string> Filters { get; init; } = [];

        /// <summary>A hold under the reason's own name, which the quarantine rescan reads (see <see cref="QuarantineReason"/>).</summary>
        public static Quarantine For(QuarantineReason reason) => new(reason.Text) { Filters = [reason.Hold] };
    }

    /// <summary>
    /// Accept the message (the client gets its 250, so it neither retries nor bounces) and deliver it to nobody: the
    /// spool file is removed, and the discard is logged and tracked (DISCARD) with <see cref="Reason"/>. Only the message
    /// stage decides it (<see cref="PolicyChain.MessageAsync"/> says how it meets the other verdicts); at an envelope
    /// stage, where nothing is queued yet, it has no meaning and the gateway treats it as no opinion.
    /// </summary>
    public sealed record Discard(string Reason) : Verdict;

    public static readonly Verdict Next = new Continue();
    public static readonly Verdict Ok = new Accept();

    public bool IsDecisive => this is not Continue;
}
