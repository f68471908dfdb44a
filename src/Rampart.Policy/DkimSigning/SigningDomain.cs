using MimeKit;
using Rampart.Mail;
using Rampart.Policy.Names;
using Rampart.Policy.SenderAuth;

namespace Rampart.Policy.DkimSigning;

/// <summary>
/// Which domain signs: the header From's, since that is the domain DMARC aligns the signature with (RFC 7489 §3.1.1)
/// and what the reader sees; the envelope sender's only when From names several authors (RFC 5322 §3.6.2 allows it)
/// and one of them is in the envelope sender's domain, so the signature still vouches for an author. No From, two From
/// fields or a From that cannot be read: not signed (RFC 6376 §5.4: From must be signed, and signing an ambiguous
/// author would vouch for a message DMARC cannot judge). The domain is compared as DMARC compares it
/// (<see cref="AuthorDomain"/>): lower case, A-labels, full-width letters folded; a look-alike Unicode domain is its
/// own xn-- name, which has no key.
/// </summary>
public static class SigningDomain
{
    public static string? Of(HeaderList? authors, Sender envelope, out string why)
    {
        if (authors is null)
        {
            why = "the header section cannot be parsed";
            return null;
        }
        if (AuthorDomain.Of(authors, out why) is { } domain) return domain;
        if (why != "more than one author in From" || envelope.IsNullSender) return null;
        var envelopeDomain = LookupName.Normalise(envelope.Address[(envelope.Address.LastIndexOf('@') + 1)..]);
        var from = authors.First(h => h.Id == HeaderId.From);
        var authorDomains = InternetAddressList.TryParse(ParserOptions.Default, from.RawValue, out var list)
            ? list.Mailboxes.Select(m => LookupName.Normalise(m.Domain)).ToList() : [];
        if (envelopeDomain is not null && authorDomains.Contains(envelopeDomain)) return envelopeDomain;
        why = "more than one author in From, none in the envelope sender's domain";
        return null;
    }
}
