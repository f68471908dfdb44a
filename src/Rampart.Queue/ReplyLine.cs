using Rampart.Mail;

namespace Rampart.Queue;

/// <summary>
/// Reads back a reply that a ".rcpt" log keeps as one line ("451 4.4.3 DNS lookup failed"): the spool boundary is
/// the one place where an outcome's reply is text. A multi-line reply was written with its lines joined by " / "
/// (<see cref="SmtpReply.Text"/>) and comes back as one line that prints the same. The enhanced code is taken only
/// when its class agrees with the basic code (RFC 3463 §2), as the SMTP client takes it from the wire.
/// </summary>
internal static class ReplyLine
{
    public static SmtpReply Parse(string line, RecipientStatus status)
    {
        if (line.Length >= 3 && line[0] is >= '2' and <= '5' && char.IsAsciiDigit(line[1]) && char.IsAsciiDigit(line[2])
            && (line.Length == 3 || line[3] == ' '))
        {
            int code = int.Parse(line.AsSpan(0, 3));
            var rest = line.Length > 4 ? line[4..] : "";
            int space = rest.IndexOf(' ');
            var token = space < 0 ? rest : rest[..space];
            if (EnhancedStatusCode.TryParseFor(code, token, out var enhanced)) return new SmtpReply(code, enhanced, space < 0 ? "" : rest[(space + 1)..]);
            return new SmtpReply(code, (EnhancedStatusCode?)null, rest);
        }
        // Not a reply (a line written by hand, or by a version that kept free text): the status gives the code.
        return new SmtpReply(CodeOf(status), (EnhancedStatusCode?)null, line);
    }

    private static int CodeOf(RecipientStatus status) => status switch
    {
        RecipientStatus.Delivered => 250,
        RecipientStatus.PermanentFailure => 554,
        _ => 451,
    };
}
