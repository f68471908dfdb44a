using MimeKit;
using Rampart.Policy.Names;

namespace Rampart.Policy.SenderAuth;

/// <summary>
/// The RFC5322.From domain DMARC judges (RFC 7489 §6.6.1): exactly one From field with exactly one mailbox. Several
/// From fields, several authors, none, or a domain that is not a valid name leave no domain to judge: a permerror,
/// since a message may otherwise show a reader one author and DMARC another. The domain is compared in its ASCII
/// form, so a look-alike Unicode name is judged as the different domain it is; but a full-width or invisible
/// character is folded first (<see cref="LookupName"/>, as domain lists do), since a reader's client shows
/// "ｐａｙｐａｌ.com" as, and resolves it to, paypal.com.
/// </summary>
public static class AuthorDomain
{
    /// <summary>The ASCII, lower-case domain, or null with the reason in <paramref name="why"/>.</summary>
    public static string? Of(HeaderList headers, out string why)
    {
        var fields = headers.Where(h => h.Id == HeaderId.From).ToList();
        why = fields.Count switch { 0 => "no From field", > 1 => "more than one From field", _ => "" };
        if (fields.Count != 1) return null;
        if (!InternetAddressList.TryParse(ParserOptions.Default, fields[0].RawValue, out var list))
        {
            why = "the From field cannot be parsed";
            return null;
        }
        var mailboxes = list.Mailboxes.ToList();
        if (mailboxes.Count != 1)
        {
            why = mailboxes.Count == 0 ? "no address in From" : "more than one author in From";
            return null;
        }
        if (LookupName.Normalise(mailboxes[0].Domain) is { } ascii) return ascii;
        why = "the From domain is not a valid domain name";
        return null;
    }
}
