using Rampart.Auth;
using Rampart.Mail;
using Rampart.Policy;
using Rampart.Smtp.Protocol;

namespace Rampart.Gateway;

/// <summary>Every reply the gateway's session handler gives of its own, named once; the engine's are in Rampart.Smtp's Replies.</summary>
internal static class GatewayReplies
{
    // RFC 4954 §6 offers 454 4.7.0 "temporary authentication failure". It is used for lockouts, not 535:
    // the right password is refused too, and a 5xx would make a mail client ask its user for a new one.
    // Unknown names lock out exactly like real ones, so this says nothing about which accounts exist.
    public static readonly SmtpReply LockedOut = new(454, "4.7.0", "Too many authentication failures; try again later");

    public static readonly SmtpReply StoreUnavailable = new(454, "4.7.0", "Temporary authentication failure");

    /// <summary>Back pressure (RFC 3463 X.3.1 "mail system full"): the sender keeps the mail and comes back.</summary>
    public static readonly SmtpReply InsufficientResources = new(452, "4.3.1", "Insufficient system resources; try again later");

    /// <summary>The 250 after the commit: the queue id lets a sender's log be matched with ours.</summary>
    public static SmtpReply Queued(string queueId) => new(250, new EnhancedStatusCode(2, 0, 0), $"Ok: queued as {queueId}");

    /// <summary>A refusal's own reply; null for every verdict that lets the session go on.</summary>
    public static SmtpReply? For(Verdict verdict) => verdict switch
    {
        Verdict.Reject reject => reject.Reply,
        Verdict.TempFail temp => temp.Reply,
        _ => null,
    };

    /// <summary>Null on success (the engine answers 235).</summary>
    public static SmtpReply? For(AuthOutcome outcome) => outcome switch
    {
        AuthOutcome.Success => null,
        AuthOutcome.LockedOut => LockedOut,
        AuthOutcome.Unavailable => StoreUnavailable,
        _ => Replies.AuthFailed,
    };
}
