using System.Globalization;
using System.Text;
using Rampart.Mail;

namespace Rampart.Smtp.Protocol;

/// <summary>
/// The trace header of RFC 5321 §4.4 with the "with" protocol names of RFC 3848 and RFC 6531 §3.7.3.
/// "for" is written only for a single recipient, as Postfix does, so that Bcc recipients stay private.
/// </summary>
public static class ReceivedHeader
{
    public static byte[] Build(SessionFacts session, string hostName, string queueId, Sender sender,
        IReadOnlyList<Recipient> recipients, DateTimeOffset now)
    {
        var protocol = new StringBuilder(sender.SmtpUtf8 ? "UTF8SMTP" : session.IsExtended ? "ESMTP" : "SMTP");
        if (session.IsTls) protocol.Append('S');
        if (session.AuthenticatedUser is not null) protocol.Append('A');

        var helo = Printable(session.HeloName ?? "unknown", sender.SmtpUtf8);
        var sb = new StringBuilder(256);
        sb.Append("Received: from ").Append(helo).Append(" ([").Append(session.ClientAddress).Append("]:")
          .Append(session.RemoteEndPoint.Port).Append(")\r\n");
        if (session.IsTls)
        {
            sb.Append("\t(using ").Append(session.TlsProtocol).Append(" with cipher ").Append(session.TlsCipher).Append(")\r\n");
        }
        sb.Append("\tby ").Append(hostName).Append(" (Rampart, listener ").Append(session.ListenerName).Append(')')
          .Append(" with ").Append(protocol).Append(" id ").Append(queueId);
        if (recipients.Count == 1)
        {
            sb.Append("\r\n\tfor <").Append(Printable(recipients[0].Address, sender.SmtpUtf8)).Append('>');
        }
        sb.Append("; ").Append(now.ToString("ddd, dd MMM yyyy HH:mm:ss ", CultureInfo.InvariantCulture))
          .Append(now.ToString("zzz", CultureInfo.InvariantCulture).Replace(":", "")).Append("\r\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    private static string Printable(string text, bool utf8)
    {
        var sb = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            sb.Append(c is >= '!' and <= '~' && c is not '(' and not ')' || (utf8 && c > 127 && !char.IsControl(c)) ? c : '?');
        }
        return sb.ToString();
    }
}
