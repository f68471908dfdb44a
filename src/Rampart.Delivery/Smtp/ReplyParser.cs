using System.Text;
using Rampart.Mail;

namespace Rampart.Delivery.Smtp;

/// <summary>
/// Reply lines from the next hop, without I/O so that it can be table-tested. RFC 5321 §4.2: "250-text" continues
/// a reply, "250 text" (or a bare "250") ends it. The enhanced code (RFC 2034/3463) is taken from the first line
/// when its class matches the basic code, and removed from every line that repeats it, so the reply is kept
/// verbatim: <see cref="SmtpReply.ToString"/> gives back "250 2.0.0 Ok: queued as ABC" for tracking.
/// </summary>
internal static class ReplyParser
{
    /// <summary>A reply longer than this is a protocol error: no real server needs it, a hostile one could.</summary>
    public const int MaxLines = 100;
    public const int MaxBytes = 64 * 1024;

    /// <summary>One line without its line end. False for anything that is not three digits plus ' ', '-' or nothing.</summary>
    public static bool TryParseLine(ReadOnlySpan<byte> line, out int code, out bool last, out string text)
    {
        code = 0;
        last = false;
        text = "";
        if (line.Length < 3 || line[0] is < (byte)'2' or > (byte)'5' || !IsDigit(line[1]) || !IsDigit(line[2])) return false;
        if (line.Length > 3 && line[3] is not ((byte)' ' or (byte)'-')) return false;
        code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
        last = line.Length == 3 || line[3] == (byte)' ';
        // Replies are ASCII; SMTPUTF8 servers may send UTF-8 (RFC 6531 §3.7.4). Anything else is shown, not refused.
        text = line.Length > 4 ? Encoding.UTF8.GetString(line[4..]) : "";
        return true;
    }

    /// <summary>Builds the reply from the texts of its lines (code and separator already removed).</summary>
    public static SmtpReply Build(int code, IReadOnlyList<string> texts)
    {
        var status = TryTakeStatus(texts[0], code, out var first) ? first : (EnhancedStatusCode?)null;
        if (status is null) return new SmtpReply(code, null, texts.ToArray());
        var prefix = status.Value.ToString();
        var lines = texts.Select(t => Strip(t, prefix)).ToArray();
        return new SmtpReply(code, status, lines);
    }

    private static string Strip(string text, string prefix) =>
        text.StartsWith(prefix, StringComparison.Ordinal) && (text.Length == prefix.Length || text[prefix.Length] == ' ')
            ? text[Math.Min(text.Length, prefix.Length + 1)..]
            : text;

    private static bool TryTakeStatus(string text, int code, out EnhancedStatusCode status)
    {
        int space = text.IndexOf(' ');
        return EnhancedStatusCode.TryParseFor(code, space < 0 ? text : text[..space], out status);
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';
}
