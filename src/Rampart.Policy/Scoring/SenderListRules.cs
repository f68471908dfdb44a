using Rampart.Mail;
using Rampart.Policy.DomainLists;
using Rampart.Policy.Names;
using Rampart.Policy.PublicSuffixes;
using Rampart.Policy.SenderAuth;
using Rampart.Policy.Senders;

namespace Rampart.Policy.Scoring;

/// <summary>What the sender lists say about one message.</summary>
public enum SenderListing
{
    None,
    Safe,
    Blocked,
}

/// <summary>
/// The safe and blocked sender lists, global and per recipient, judged against the envelope sender and the header
/// From addresses. Blocked wins over safe. A message has one verdict for all its recipients, so a recipient's own list
/// decides only when every recipient of the message agrees (or has no list): a blocked sender of one of three
/// recipients is refused for that one at RCPT instead (<see cref="BlocksAtRcpt"/>), so the others still get it.
/// </summary>
public sealed class SenderListRules
{
    /// <summary>The finding of a safe sender: the verdict is skipped (SCL -1).</summary>
    public const string SafeSender = "SAFE_SENDER";

    /// <summary>A safe sender whose claim no authentication backed: the verdict is not skipped.</summary>
    public const string SafeSenderUnverified = "SAFE_SENDER_UNVERIFIED";

    public const string BlockedSender = "BLOCKED_SENDER";

    /// <summary>One recipient refused the envelope sender at RCPT; 0 points, for the log line of the others' copy.</summary>
    public const string RecipientBlockedSender = "RCPT_BLOCKED_SENDER";

    /// <summary>
    /// The most header From addresses judged: a field of thousands is not worth more work. A message with more is
    /// never safe (an unread author could be anyone); the blocked list sees the first ones.
    /// </summary>
    public const int MaxAuthors = 16;

    /// <summary>The quarantine hold of a blocked sender's message (blocked_action: quarantine); only an administrator releases it.</summary>
    public const string BlockedHold = "blocked-sender";

    private readonly SenderPatterns safe;
    private readonly SenderPatterns blocked;
    private readonly Dictionary<string, (SenderPatterns Safe, SenderPatterns Blocked)> recipients;
    private readonly bool needAuthentication;

    public SenderListRules(ScoringOptions options)
    {
        safe = new SenderPatterns(options.SafeSenders);
        blocked = new SenderPatterns(options.BlockedSenders);
        recipients = options.Recipients.ToDictionary(r => r.Key, r => (new SenderPatterns(r.Value.SafeSenders), new SenderPatterns(r.Value.BlockedSenders)),
            StringComparer.OrdinalIgnoreCase);
        needAuthentication = options.SafeSendersNeedAuthentication;
    }

    /// <summary>True when this recipient's own list blocks the envelope sender: refuse this recipient alone.</summary>
    public bool BlocksAtRcpt(Sender sender, Recipient recipient) =>
        sender.Address.Length > 0 && recipients.TryGetValue(recipient.Address, out var own) && own.Blocked.Matches(sender.Address);

    /// <summary>
    /// The listing of a message, recording its finding (score 0: the lists act by themselves, not through the sum)
    /// in <paramref name="evidence"/>. <paramref name="authors"/> are the header From addresses.
    /// </summary>
    public SenderListing Judge(Sender sender, IReadOnlyList<string> authors, IReadOnlyList<Recipient> to, Evidence evidence)
    {
        var claimed = authors.Take(MaxAuthors).Prepend(sender.Address).Where(a => a.Length > 0).ToList();
        if (claimed.Count == 0) return SenderListing.None;
        if (claimed.FirstOrDefault(a => blocked.Matches(a) || EveryRecipient(to, lists => lists.Blocked.Matches(a))) is { } bad)
        {
            evidence.Add(BlockedSender, 0, bad);
            return SenderListing.Blocked;
        }
        // Safe: what the reader sees (the header From, every address of it) must be safe; the envelope sender stands
        // in only when the message has no From. A list that names one partner then does not let a second author in.
        var shown = authors.Count > 0 ? authors : [sender.Address];
        if (authors.Count > MaxAuthors) return SenderListing.None;
        if (!shown.All(a => a.Length > 0 && (safe.Matches(a) || EveryRecipient(to, lists => lists.Safe.Matches(a))))) return SenderListing.None;
        if (needAuthentication && shown.FirstOrDefault(a => !Authenticated(a, evidence)) is { } unverified)
        {
            evidence.Add(SafeSenderUnverified, 0, $"{unverified}: {Unverified(evidence)}");
            return SenderListing.None;
        }
        evidence.Add(SafeSender, 0, shown[0]);
        return SenderListing.Safe;
    }

    private bool EveryRecipient(IReadOnlyList<Recipient> to, Func<(SenderPatterns Safe, SenderPatterns Blocked), bool> listed) =>
        to.Count > 0 && to.All(r => recipients.TryGetValue(r.Address, out var own) && listed(own));

    /// <summary>
    /// True when a check proved the address's domain: dmarc=pass for that From domain, or a DKIM or SPF pass aligned
    /// with it (relaxed, RFC 7489 §3.1: the same organisational domain). Anything else (softfail, neutral, none, an
    /// error, a check not configured) proves nothing: the address is the sender's own claim, and a partner without a
    /// DMARC record is exactly what a forger picks (review13 M3).
    /// </summary>
    public static bool Authenticated(string address, Evidence evidence)
    {
        if (LookupName.Normalise(address[(address.LastIndexOf('@') + 1)..]) is not { } domain) return false;
        if (evidence.ResultOf("dmarc") is { Result: "pass" } dmarc && Property(dmarc, "header.from") is { } from
            && string.Equals(LookupName.Normalise(from), domain, StringComparison.Ordinal)) return true;
        if (evidence.ResultOf("dkim") is { Result: "pass" } dkim && Property(dkim, "header.d") is { } d && Aligned(d, domain)) return true;
        return DmarcCheck.SpfPassDomain(evidence.ResultOf("spf")) is { } spf && Aligned(spf, domain);
    }

    private static bool Aligned(string domain, string fromDomain) =>
        LookupName.Normalise(domain) is { } ascii
        && PublicSuffixList.Default.OrganisationalDomain(ascii) == PublicSuffixList.Default.OrganisationalDomain(fromDomain);

    private static string? Property(AuthResult result, string name) =>
        result.Properties?.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>What the checks said instead, for the log line: "spf=softfail dkim=none dmarc=none".</summary>
    private static string Unverified(Evidence evidence) =>
        string.Join(' ', new[] { "spf", "dkim", "dmarc" }.Select(m => $"{m}={evidence.ResultOf(m)?.Result ?? "not checked"}"));
}
