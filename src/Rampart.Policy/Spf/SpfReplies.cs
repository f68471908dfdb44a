using Rampart.Mail;

namespace Rampart.Policy.Spf;

/// <summary>
/// The SPF check's refusals, named once, with the codes of RFC 7372 §3.2: X.7.23 "SPF validation failed" and
/// X.7.24 "SPF validation error".
/// </summary>
public static class SpfReplies
{
    /// <summary>A fail (RFC 7208 §8.4): the domain says this client may not send for it; its explanation when it gave one.</summary>
    public static SmtpReply Failed(string domain, string? explanation, string sessionId) =>
        new(550, "5.7.23", explanation is null
            ? $"SPF validation failed: {PrintableText.Cut(domain, 253)} does not designate this host as a sender; id {sessionId}"
            : $"SPF validation failed for {PrintableText.Cut(domain, 253)}: {PrintableText.Cut(explanation, 200)}; id {sessionId}");

    /// <summary>A temperror when the listener asks to defer rather than accept (§8.6): DNS may answer later.</summary>
    public static SmtpReply TemporaryError(string domain, string sessionId) =>
        new(451, "4.7.24", $"SPF validation error: the SPF record of {PrintableText.Cut(domain, 253)} could not be read now, try again later; id {sessionId}");

    /// <summary>A permerror when the listener refuses it (§8.7): the domain's record is broken until its owner fixes it.</summary>
    public static SmtpReply PermanentError(string domain, string sessionId) =>
        new(550, "5.7.24", $"SPF validation error: the SPF record of {PrintableText.Cut(domain, 253)} is invalid; id {sessionId}");
}
