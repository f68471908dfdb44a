using MimeKit;
using Rampart.Policy.Relay;

namespace Rampart.Policy.Senders;

/// <summary>
/// Whether an address, or text a mail client shows (a display name, a quoted local part, a comment), presents one of
/// our domains or a look-alike of one: both sides are compared as <see cref="DomainSkeleton"/>s, with the accepted
/// domains' own rule for sub-domains.
/// </summary>
public sealed class OwnDomainMatcher(AcceptedDomains ownDomains)
{
    private readonly AcceptedDomains skeletons = new(ownDomains.All.Select(d => d with { Name = DomainSkeleton.Of(d.Name) }));

    public bool IsOwn(string domain) => domain.Length > 0 && domain[0] != '[' && skeletons.Contains(DomainSkeleton.Of(domain));

    /// <summary>A mailbox or group: its address, and every name shown with it.</summary>
    public bool Shows(InternetAddress address) => address switch
    {
        MailboxAddress m => IsOwn(m.Domain) || TextShows(m.Name) || TextShows(m.LocalPart),
        GroupAddress g => TextShows(g.Name) || g.Members.Any(Shows),
        _ => false,
    };

    /// <summary>
    /// Any "@domain" in free text, as a reader would take it: after compatibility folding (＠, ﹫), with blanks
    /// allowed after the @, the domain running over letters, digits, marks, invisible characters, dots and hyphens.
    /// </summary>
    public bool TextShows(string? text)
    {
        if (string.IsNullOrEmpty(text)) return false;
        var folded = DomainSkeleton.Fold(text);
        for (int at = folded.IndexOf('@'); at >= 0; at = folded.IndexOf('@', at + 1))
        {
            int start = at + 1;
            while (start < folded.Length && char.IsWhiteSpace(folded[start])) start++;
            int end = start;
            while (end < folded.Length && IsDomainChar(folded[end])) end++;
            if (end > start && IsOwn(folded[start..end])) return true;
        }
        return false;
    }

    private static bool IsDomainChar(char c) =>
        char.IsLetterOrDigit(c) || c is '.' or '-' or '\u3002' or '\uFF61'
        || System.Globalization.CharUnicodeInfo.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.NonSpacingMark
            or System.Globalization.UnicodeCategory.Format or System.Globalization.UnicodeCategory.Surrogate;
}
