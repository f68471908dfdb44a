using MimeKit;
using Rampart.Policy.Relay;

namespace Rampart.Policy.Senders;

/// <summary>
/// The header From of mail from outside must not claim our own domains either: it is what the reader sees, and
/// what a spoofer forges when the envelope sender is his own. Reads the header block only, from the spool.
/// </summary>
public sealed partial class HeaderFromFilter(AcceptedDomains ownDomains, IReadOnlyList<System.Net.IPNetwork> ownDomainsFrom) : IMessageFilter
{
    public string Name => "header-from";

    public async ValueTask<Verdict> OnMessageAsync(MessageContext message, CancellationToken ct)
    {
        if (SenderFilter.IsExempt(ownDomainsFrom, message.Session)) return Verdict.Next;
        // No readable header block: the content filters judge malformed mail.
        if (await message.HeadersAsync(ct) is not { } headers) return Verdict.Next;
        foreach (var from in headers.Where(h => h.Id == HeaderId.From))
        {
            if (MentionsOwnDomain(from)) return new Verdict.Reject(SenderFilter.Spoofed);
        }
        return Verdict.Next;
    }

    /// <summary>
    /// Any address of ours anywhere in the field, raw or decoded: in the mailbox, in a display name made to look
    /// like one, or in a value no parser agrees on (mail clients show something anyway). Parsing first and
    /// judging the result would let exactly the malformed fields through.
    /// </summary>
    private bool MentionsOwnDomain(Header from)
    {
        foreach (var text in new[] { System.Text.Encoding.UTF8.GetString(from.RawValue), from.Value })
        {
            foreach (System.Text.RegularExpressions.Match m in AddressDomain().Matches(text))
            {
                if (ownDomains.Contains(m.Groups[1].Value.TrimEnd('.'))) return true;
            }
        }
        return false;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"@\s*([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)")]
    private static partial System.Text.RegularExpressions.Regex AddressDomain();
}
