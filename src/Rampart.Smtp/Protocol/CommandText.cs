using System.Text;
using Rampart.Mail;

namespace Rampart.Smtp.Protocol;

/// <summary>
/// A command as a log line shows it: the verb, with the argument where it says what was refused (HELO name,
/// MAIL and RCPT address, BDAT size), escaped (<see cref="LogText"/>). AUTH shows its mechanism only: the initial
/// response, like every SASL line after it, carries the user name and password.
/// </summary>
public static class CommandText
{
    /// <summary>What a line that did not parse is shown as; more is noise, and the client chose every byte of it.</summary>
    private const int MaxUnparsed = 300;

    /// <summary>
    /// The registered SASL mechanisms a client may ask for. Any other word in that place is shown as unknown: a
    /// client that sends its base64 credentials where the mechanism goes must not have them logged.
    /// </summary>
    private static readonly HashSet<string> KnownMechanisms =
    [
        Sasl.Plain, Sasl.Login, Sasl.ScramSha256, "SCRAM-SHA-256-PLUS", "SCRAM-SHA-1", "SCRAM-SHA-1-PLUS", "CRAM-MD5",
        "DIGEST-MD5", "NTLM", "GSSAPI", "XOAUTH2", "OAUTHBEARER", "EXTERNAL", "ANONYMOUS",
    ];

    /// <summary>Before any command: the connection itself was refused.</summary>
    public const string Connect = "CONNECT";

    public static string Describe(SmtpCommand command) => command switch
    {
        SmtpCommand.Helo helo => $"{(helo.Extended ? "EHLO" : "HELO")} {LogText.Escape(helo.Domain)}",
        SmtpCommand.Mail mail => $"MAIL FROM:<{LogText.Escape(mail.Sender.Address)}>",
        SmtpCommand.Rcpt rcpt => $"RCPT TO:<{LogText.Escape(rcpt.Recipient.Address)}>",
        SmtpCommand.Data => "DATA",
        SmtpCommand.Bdat bdat => bdat.Last ? $"BDAT {bdat.Size} LAST" : $"BDAT {bdat.Size}",
        SmtpCommand.Rset => "RSET",
        SmtpCommand.Noop => "NOOP",
        SmtpCommand.Quit => "QUIT",
        SmtpCommand.Vrfy => "VRFY",
        SmtpCommand.Help => "HELP",
        SmtpCommand.StartTls => "STARTTLS",
        SmtpCommand.Auth auth => KnownMechanisms.Contains(auth.Mechanism) ? $"AUTH {auth.Mechanism}" : "AUTH (unknown mechanism)",
        SmtpCommand.NotImplemented other => LogText.Escape(other.Verb),
        SmtpCommand.Forbidden forbidden => LogText.Escape(forbidden.Verb),
        _ => command.GetType().Name.ToUpperInvariant(),
    };

    /// <summary>
    /// A line the parser refused, as far as it can be read: HELO, EHLO, MAIL and RCPT with their argument (the
    /// refusal is usually about it), anything else (AUTH included) by its verb.
    /// </summary>
    public static string DescribeUnparsed(ReadOnlySpan<byte> line)
    {
        var text = Encoding.UTF8.GetString(line.Length > MaxUnparsed ? line[..MaxUnparsed] : line);
        int space = text.IndexOf(' ');
        var verb = space < 0 ? text : text[..space];
        var shown = verb.ToUpperInvariant() switch
        {
            "HELO" or "EHLO" or "MAIL" or "RCPT" => text,
            _ => verb,
        };
        return LogText.Escape(shown) + (line.Length > MaxUnparsed && shown.Length == text.Length ? "..." : "");
    }
}
