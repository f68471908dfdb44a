using MimeKit;
using Rampart.Mail;
using Rampart.Policy.Relay;

namespace Rampart.Policy.Senders;

/// <summary>
/// The header From and Sender of mail from outside must not show our own domains either: they are what the reader
/// sees, and what a spoofer forges when the envelope sender is his own. Each field is judged as a mail client shows
/// it: parsed by MimeKit (comments, folding, quoting, encoded words, groups and obsolete syntax resolved), every
/// mailbox's domain and every displayed name compared with ours through <see cref="DomainSkeleton"/> (case, IDN,
/// fullwidth and look-alike letters), and the raw and decoded text searched too, so a field parsers disagree on
/// cannot slip by. A From that is missing, repeated or unreadable cannot be judged and is refused. Reads the header
/// block only, from the spool.
/// </summary>
public sealed class HeaderFromFilter(AcceptedDomains ownDomains, IReadOnlyList<System.Net.IPNetwork> ownDomainsFrom) : IMessageFilter
{
    private readonly OwnDomainMatcher own = new(ownDomains);

    public string Name => "header-from";

    /// <summary>
    /// For hostile input: one address per comma (a name with an unquoted comma is two names, as several clients show
    /// it), every address with a domain, groups nested no deeper than RFC 5322 allows (one level).
    /// </summary>
    private static readonly ParserOptions Parsing = new()
    {
        AddressParserComplianceMode = RfcComplianceMode.Loose,
        AllowUnquotedCommasInAddresses = false,
        AllowAddressesWithoutDomain = false,
        MaxAddressGroupDepth = 1,
    };

    public async ValueTask<Verdict> OnMessageAsync(MessageContext message, CancellationToken ct)
    {
        if (SenderFilter.IsExempt(ownDomainsFrom, message.Session)) return Verdict.Next;
        var headers = await message.AuthorFieldsAsync(ct);
        return Judge(headers) is { } refusal ? new Verdict.Reject(refusal) : Verdict.Next;
    }

    /// <summary>The refusal for a header block from outside, or null when its author fields are acceptable.</summary>
    public SmtpReply? Judge(HeaderList? headers)
    {
        if (headers is null) return SenderReplies.Unreadable("From");
        var from = headers.Where(h => h.Id == HeaderId.From).ToList();
        if (from.Count == 0) return SenderReplies.NoFrom;
        if (from.Count > 1) return SenderReplies.SeveralFields("From");
        if (JudgeField(from[0], "From") is { } fromRefusal) return fromRefusal;
        // Sender is optional, but many clients show it ("on behalf of"), so it is judged the same way.
        var sender = headers.Where(h => h.Id == HeaderId.Sender).ToList();
        if (sender.Count > 1) return SenderReplies.SeveralFields("Sender");
        return sender.Count == 1 ? JudgeField(sender[0], "Sender") : null;
    }

    private SmtpReply? JudgeField(Header field, string name)
    {
        var raw = field.RawValue;
        if (!InternetAddressList.TryParse(Parsing, raw, 0, raw.Length, out var list) || !list.Mailboxes.Any())
        {
            return SenderReplies.Unreadable(name);
        }
        if (list.Any(own.Shows)) return SenderReplies.HeaderShowsOwnDomain(name);
        // What no parser agrees on is still shown by some client: our address anywhere in the text counts.
        if (own.TextShows(System.Text.Encoding.UTF8.GetString(raw)) || own.TextShows(field.Value)) return SenderReplies.HeaderShowsOwnDomain(name);
        return null;
    }
}
