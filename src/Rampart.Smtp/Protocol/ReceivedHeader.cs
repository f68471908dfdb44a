using System.Globalization;
using System.Text;
using Rampart.Mail;

namespace Rampart.Smtp.Protocol;

/// <summary>
/// The trace header of RFC 5321 §4.4 with the "with" protocol names of RFC 3848 and RFC 6531 §3.7.3.
/// "for" is written only for a single recipient, as Postfix does, so that Bcc recipients stay private.
/// Every value in it is reduced to characters that cannot change the field's structure: what the
/// client chose (HELO name, recipient) could otherwise close the "from" clause and write its own
/// "by", comment or date ("EHLO evil; by trusted (x)"), and downstream filters would believe it.
/// What the content framer refuses (a first line that starts with white space) keeps the client's
/// bytes out of this field from the other side.
/// </summary>
public static class ReceivedHeader
{
    public static byte[] Build(SessionFacts session, string hostName, string queueId, Sender sender,
        IReadOnlyList<Recipient> recipients, DateTimeOffset now)
    {
        var protocol = new StringBuilder(sender.SmtpUtf8 ? "UTF8SMTP" : session.IsExtended ? "ESMTP" : "SMTP");
        if (session.IsTls) protocol.Append('S');
        if (session.AuthenticatedUser is not null) protocol.Append('A');

        bool utf8 = sender.SmtpUtf8;
        var sb = new StringBuilder(256);
        sb.Append("Received: from ").Append(HeloName(session.HeloName, utf8))
          .Append(" ([").Append(Token(session.ClientAddress.ToString(), ":%")).Append("]:")
          .Append(session.RemoteEndPoint.Port.ToString(CultureInfo.InvariantCulture)).Append(")\r\n");
        if (session.IsTls)
        {
            sb.Append("\t(using ").Append(Token(session.TlsProtocol!)).Append(" with cipher ").Append(Token(session.TlsCipher ?? "unknown")).Append(")\r\n");
        }
        sb.Append("\tby ").Append(Token(hostName)).Append(" (Rampart, listener ").Append(Token(session.ListenerName)).Append(')')
          .Append(" with ").Append(protocol).Append(" id ").Append(Token(queueId));
        if (recipients.Count == 1 && ForClause(recipients[0].Address, utf8) is { } recipient)
        {
            sb.Append("\r\n\tfor <").Append(recipient).Append('>');
        }
        sb.Append("; ").Append(now.ToString("ddd, dd MMM yyyy HH:mm:ss ", CultureInfo.InvariantCulture))
          .Append(now.ToString("zzz", CultureInfo.InvariantCulture).Replace(":", "")).Append("\r\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>
    /// An address literal is written as given (its brackets are its own, RFC 5321 §4.4 Extended-Domain); any other name
    /// keeps its letters, digits, '.', '-' and '_' (a domain is unchanged) and every other character becomes '?', so the
    /// administrator still sees roughly what was claimed but the claim cannot add a clause. Not AddressParser.IsDomain:
    /// it lets ASCII specials through inside a U-label (IdnMapping without UseStd3AsciiRules).
    /// </summary>
    private static string HeloName(string? helo, bool utf8)
    {
        if (helo is null) return "unknown";
        return AddressParser.IsAddressLiteral(helo) ? helo : Token(helo, "", utf8);
    }

    /// <summary>
    /// The recipient when it is a dot-atom at a domain or address literal; a quoted local part (which may hold any of
    /// <c>&lt;&gt;;()"\</c>) leaves "for" out rather than write it escaped: it is optional (RFC 5321 §4.4), and
    /// readers of trace fields seldom undo quoted-pairs.
    /// </summary>
    private static string? ForClause(string address, bool utf8)
    {
        int at = address.LastIndexOf('@');
        if (at <= 0) return null;
        var local = address[..at];
        var domain = address[(at + 1)..];
        if (!utf8 && !address.All(char.IsAscii)) return null;
        bool dotAtom = local.Split('.').All(atom => atom.Length > 0 && atom.All(c => AddressParser.IsAsciiAtext(c) || (utf8 && IsSafeNonAscii(c))));
        bool plainDomain = AddressParser.IsAddressLiteral(domain) || (AddressParser.IsDomain(domain) && Token(domain, "", utf8) == domain);
        return dotAtom && plainDomain ? address : null;
    }

    /// <summary>Letters, digits, '.', '-', '_' and <paramref name="extra"/>; every other character becomes '?'.</summary>
    private static string Token(string text, string extra = "", bool utf8 = false)
    {
        var sb = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            bool keep = char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' || extra.Contains(c) || (utf8 && IsSafeNonAscii(c));
            sb.Append(keep ? c : '?');
        }
        return sb.Length == 0 ? "unknown" : sb.ToString();
    }

    /// <summary>Non-ASCII that is visible text: no controls, format characters (bidi overrides) or separators.</summary>
    private static bool IsSafeNonAscii(char c) =>
        c > 127 && char.GetUnicodeCategory(c) is not (UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.SpaceSeparator
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.OtherNotAssigned or UnicodeCategory.PrivateUse);
}
