using System.Text;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.EndToEnd.Delivery;

/// <summary>
/// 8-bit conversion is decided on the bytes the message holds, not on the BODY= its client declared: through the
/// inbound listener to an smtp-sink that does not announce 8BITMIME (<c>-8</c>), clean 7-bit mail declared
/// 8BITMIME arrives byte for byte (a rewrite would break its DKIM signature), real 8-bit mail is still converted,
/// and content an attachment strip rewrote is judged on what was written.
/// </summary>
public sealed class EightBitDowngradeTests
{
    [Fact]
    public async Task Clean_7bit_content_declared_8bitmime_is_relayed_byte_for_byte()
    {
        await using var sink = await SmtpSink.StartAsync("-8");
        await using var gateway = await StartAsync(sink);
        var content = Message("declared 8bit", "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n",
            "only ASCII here, =3D not quoted-printable\r\n");

        await SendAsync(gateway, Encoding.ASCII.GetBytes(content));

        var dump = Assert.Single(await sink.WaitForDumpsAsync(timeout: TimeSpan.FromSeconds(30)));
        Assert.DoesNotContain("BODY=8BITMIME", dump, StringComparison.Ordinal);
        Assert.EndsWith(Lf(content) + "\n", dump, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Content_with_8bit_bytes_is_still_converted_for_a_peer_without_8bitmime()
    {
        await using var sink = await SmtpSink.StartAsync("-8");
        await using var gateway = await StartAsync(sink);
        var content = Message("real 8bit", "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n",
            "Grüße aus Köln\r\n");

        await SendAsync(gateway, Encoding.UTF8.GetBytes(content));

        var dump = Assert.Single(await sink.WaitForDumpsAsync(timeout: TimeSpan.FromSeconds(30)));
        Assert.All(Encoding.UTF8.GetBytes(dump), b => Assert.True(b < 0x80, "an 8-bit byte reached a peer without 8BITMIME"));
        var body = MimeKit.MimeMessage.Load(new MemoryStream(Encoding.ASCII.GetBytes(dump[dump.IndexOf("Received:", StringComparison.Ordinal)..])));
        var part = Assert.IsType<MimeKit.TextPart>(body.Body);
        Assert.True(part.ContentTransferEncoding is MimeKit.ContentEncoding.QuotedPrintable or MimeKit.ContentEncoding.Base64, dump);
        Assert.Equal("Grüße aus Köln\n", part.Text.Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    [Fact]
    public async Task When_a_strip_removes_the_only_8bit_part_the_rest_is_relayed_unconverted()
    {
        await using var sink = await SmtpSink.StartAsync("-8");
        await using var gateway = await StartAsync(sink, "attachments: {block: [exe], action: strip}");
        // The text part is labelled 8bit but holds ASCII: a conversion would relabel it 7bit.
        var content = Message("stripped", "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n",
            "--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nsee the tool\r\n" +
            "--b1\r\nContent-Type: application/octet-stream; name=\"tool.exe\"\r\nContent-Disposition: attachment; filename=\"tool.exe\"\r\n" +
            "Content-Transfer-Encoding: 8bit\r\n\r\n\u00e9\u00e8\u00ea binary-ish\r\n--b1--\r\n");

        await SendAsync(gateway, Encoding.UTF8.GetBytes(content));

        var dump = Assert.Single(await sink.WaitForDumpsAsync(timeout: TimeSpan.FromSeconds(30)));
        Assert.Contains("tool_exe.removed.txt", dump, StringComparison.Ordinal);
        Assert.All(Encoding.UTF8.GetBytes(dump), b => Assert.True(b < 0x80, "an 8-bit byte reached a peer without 8BITMIME"));
        Assert.Contains("Content-Transfer-Encoding: 8bit\n\nsee the tool\n", dump, StringComparison.Ordinal);
    }

    private static Task<TestGateway> StartAsync(SmtpSink sink, string inboundExtra = "") =>
        TestGateway.StartWithNextHopAsync(sink.Port, inboundExtra, routeExtra: ", tls: none", topExtra: "queue:\n  retry_initial: 200ms\n  retry_max: 1s");

    private static string Message(string subject, string mimeHeaders, string body) =>
        $"From: Alice <alice@sender.test>\r\nTo: bob@example.test\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@sender.test>\r\n" +
        $"DKIM-Signature: v=1; a=rsa-sha256; d=sender.test; s=s1; h=from:to:subject; bh=YmhiaA==; b=c2lnbmVk\r\n" +
        $"{mimeHeaders}\r\n{body}";

    private static async Task SendAsync(TestGateway gateway, byte[] content)
    {
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync();
        await c.CommandAsync("MAIL FROM:<alice@sender.test> BODY=8BITMIME", "250 ");
        await c.CommandAsync("RCPT TO:<bob@example.test>", "250 ");
        await c.CommandAsync("DATA", "354 ");
        await c.SendAsync([.. content, .. ".\r\n"u8]);
        await c.ExpectAsync("250 2.0.0");
    }

    private static string Lf(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);
}
