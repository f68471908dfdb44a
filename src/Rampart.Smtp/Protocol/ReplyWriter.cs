using System.Buffers;
using System.Text;
using Rampart.Mail;

namespace Rampart.Smtp.Protocol;

/// <summary>Writes replies in RFC 5321 §4.2 form ("250-..." continuation lines, then "250 ...").</summary>
public static class ReplyWriter
{
    public static void Write(IBufferWriter<byte> output, SmtpReply reply)
    {
        var status = reply.Status?.ToString();
        for (int i = 0; i < reply.Lines.Count; i++)
        {
            var line = $"{reply.Code}{(i == reply.Lines.Count - 1 ? ' ' : '-')}{(status is null ? "" : status + " ")}{Sanitize(reply.Lines[i])}\r\n";
            var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(line.Length));
            output.Advance(Encoding.UTF8.GetBytes(line, span));
        }
    }

    // A reply text can carry a client's own words (a HELO name, an address): never let it break the framing.
    private static string Sanitize(string text) =>
        text.AsSpan().IndexOfAny('\r', '\n') < 0 ? text : text.Replace('\r', ' ').Replace('\n', ' ');
}
