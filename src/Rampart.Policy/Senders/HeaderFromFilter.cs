using MimeKit;
using Rampart.Policy.Relay;

namespace Rampart.Policy.Senders;

/// <summary>
/// The header From of mail from outside must not claim our own domains either: it is what the reader sees, and
/// what a spoofer forges when the envelope sender is his own. Reads the header block only, from the spool.
/// </summary>
public sealed class HeaderFromFilter(AcceptedDomains ownDomains, IReadOnlyList<System.Net.IPNetwork> ownDomainsFrom) : IMessageFilter
{
    public string Name => "header-from";

    public async ValueTask<Verdict> OnMessageAsync(MessageContext message, CancellationToken ct)
    {
        if (SenderFilter.IsExempt(ownDomainsFrom, message.Session)) return Verdict.Next;
        await using var content = message.OpenContent();
        HeaderList headers;
        try
        {
            headers = await HeaderList.LoadAsync(content, ct);
        }
        catch (FormatException)
        {
            return Verdict.Next; // No readable header block: the content filters judge malformed mail.
        }
        foreach (var from in headers.Where(h => h.Id == HeaderId.From))
        {
            if (InternetAddressList.TryParse(from.Value, out var list) && list.Mailboxes.Any(m => ownDomains.Contains(m.Domain)))
            {
                return new Verdict.Reject(SenderFilter.Spoofed);
            }
        }
        return Verdict.Next;
    }
}
