using Rampart.Testing.Processes;
using System.Net;
using System.Text;
using Rampart.Testing;

namespace Rampart.EndToEnd.Fixtures;

/// <summary>Test messages with a unique marker, and one plain SMTP submission of them.</summary>
public static class TestMessages
{
    /// <summary>A unique, grep-able word: "prefix-" and 16 hex digits.</summary>
    public static string NewMarker(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 17)];

    /// <summary>
    /// A body that catches damage in transit: a line that needs dot-stuffing, a lone "." inside a line,
    /// leading spaces, a long (but legal, under 998 octets) line, and a last line naming the marker.
    /// </summary>
    public static string Body(string marker, int lines = 20)
    {
        var sb = new StringBuilder();
        sb.Append("Hello from the end-to-end tests.\r\n");
        sb.Append(".a line that starts with a dot (dot-stuffed on the wire)\r\n");
        sb.Append("..two dots\r\n");
        sb.Append("   indented line with trailing text .\r\n");
        sb.Append(new string('x', 900)).Append("\r\n");
        for (int i = 0; i < lines; i++) sb.Append($"line {i:0000} of {marker}: the quick brown fox jumps over the lazy dog\r\n");
        sb.Append($"END-OF-MESSAGE {marker}\r\n");
        return sb.ToString();
    }

    /// <summary>Header fields + blank line + body, CRLF throughout; the body ends with CRLF.</summary>
    public static string Message(string marker, string to, string body) =>
        $"From: Alice <alice@sender.test>\r\nTo: <{to}>\r\nSubject: {marker}\r\nMessage-ID: <{marker}@e2e.rampart.test>\r\n" +
        $"Date: Thu, 01 Jan 2026 00:00:00 +0000\r\n\r\n{body}";

    /// <summary>RFC 5321 §4.5.2: a leading dot is doubled on the wire.</summary>
    public static string DotStuff(string content) =>
        string.Join("\r\n", content.Split("\r\n").Select(l => l.StartsWith('.') ? "." + l : l));

    /// <summary>EHLO, MAIL, RCPT, DATA, content, QUIT over a raw connection; returns the reply to the final dot.</summary>
    public static async Task<string> SendAsync(IPEndPoint server, string from, string to, string content)
    {
        await using var smtp = await SmtpTranscript.ConnectAsync(server);
        await smtp.ExpectAsync("220");
        await smtp.CommandAsync("EHLO client.e2e.test", "250");
        await smtp.CommandAsync($"MAIL FROM:<{from}>", "250");
        await smtp.CommandAsync($"RCPT TO:<{to}>", "250");
        await smtp.CommandAsync("DATA", "354");
        await smtp.SendAsync(DotStuff(content) + ".\r\n");
        var reply = await smtp.ExpectAsync("250");
        await smtp.SendAsync("QUIT\r\n");
        return reply[^1];
    }

    /// <summary>One message through SmtpTranscript's HELO, envelope and DATA; returns the queue id its 250 names.</summary>
    public static async Task<string> SendForQueueIdAsync(int port, string from, string to, string wire)
    {
        await using var c = await SmtpTranscript.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        await c.HelloAsync();
        await c.EnvelopeAsync(from, to);
        return (await c.DataAsync(wire))[^1].Split(' ')[^1];
    }
}
