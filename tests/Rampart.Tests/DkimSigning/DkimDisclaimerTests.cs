using MimeKit;
using Rampart.Testing;
using Xunit;

namespace Rampart.Tests.DkimSigning;

/// <summary>
/// A transport rule's disclaimer and DKIM signing on the same outbound message over SMTP: the disclaimer goes into both
/// alternatives without breaking the structure, and the signature, made after it, verifies with MimeKit and Rspamd
/// against the key the test DNS server publishes.
/// </summary>
public sealed class DkimDisclaimerTests(DkimWorld world) : IClassFixture<DkimWorld>
{
    private const string Rules = "transport_rules:\n  - name: outbound-disclaimer\n    conditions: {direction: outbound}\n"
        + "    actions: {disclaimer: {text: \"Sent through Rampart, confidential.\", html: \"<p>Sent through <b>Rampart</b>, confidential.</p>\"}}\n";

    private const string Alternative = "From: Alice <alice@signed.test>\r\nTo: bob@remote.test\r\nSubject: both\r\n"
        + "Date: Sat, 05 Dec 2026 05:00:00 +0000\r\nMessage-ID: <alt@signed.test>\r\nMIME-Version: 1.0\r\n"
        + "Content-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nplain text\r\n"
        + "--b1\r\nContent-Type: text/html; charset=us-ascii\r\n\r\n<html><body><p>html text</p></body></html>\r\n--b1--\r\n";

    [Fact]
    public async Task A_disclaimer_added_to_a_multipart_alternative_message_is_in_both_parts_and_the_signature_made_after_it_verifies()
    {
        await using var gateway = await TestGateway.StartAsync(topExtra: world.Yaml(("rsa", true)) + Rules);
        await using (var smtp = await gateway.ConnectAsync("outbound"))
        {
            await smtp.HelloAsync();
            await smtp.EnvelopeAsync("alice@signed.test", "bob@remote.test");
            await smtp.DataAsync(Alternative);
        }
        var sent = await File.ReadAllBytesAsync(Assert.Single(await gateway.WaitForDropAsync(1, "outgoing")));

        var message = await MimeMessage.LoadAsync(new MemoryStream(sent));
        var alternative = Assert.IsType<MultipartAlternative>(message.Body);
        var html = Assert.IsType<string>(message.HtmlBody);
        Assert.Equal(2, alternative.Count);
        Assert.Contains("plain text", message.TextBody, StringComparison.Ordinal);
        Assert.Contains("Sent through Rampart, confidential.", message.TextBody, StringComparison.Ordinal);
        Assert.Contains("<p>html text</p>", message.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("<p>Sent through <b>Rampart</b>, confidential.</p>", message.HtmlBody, StringComparison.Ordinal);
        // Inside the body, not after the end of the document.
        Assert.True(html.IndexOf("Sent through", StringComparison.Ordinal) < html.IndexOf("</body>", StringComparison.OrdinalIgnoreCase), html);
        Assert.DoesNotContain("<p>", message.TextBody, StringComparison.Ordinal);
        var text = Assert.IsType<string>(message.TextBody);
        Assert.True(text.IndexOf("plain text", StringComparison.Ordinal) < text.IndexOf("Sent through", StringComparison.Ordinal), text);
        Assert.Equal(["text/plain", "text/html"], alternative.Select(p => p.ContentType.MimeType));

        Assert.Equal([("rsa", true)], await world.MimeKitVerifyAsync(sent));
        Assert.Contains("R_DKIM_ALLOW", await world.RspamdSymbolsAsync(sent));
    }

    [Fact]
    public async Task With_an_attachment_beside_the_alternatives_only_the_text_parts_change_and_both_rsa_and_ed25519_signatures_verify()
    {
        var pdf = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes("%PDF-1.4 Sent through nothing\n"));
        var content = "From: Alice <alice@signed.test>\r\nTo: bob@remote.test\r\nSubject: report\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/mixed; boundary=\"m1\"\r\n\r\n--m1\r\n"
            + Alternative[Alternative.IndexOf("Content-Type: multipart/alternative", StringComparison.Ordinal)..]
            + $"--m1\r\nContent-Type: application/pdf; name=\"r.pdf\"\r\nContent-Disposition: attachment; filename=\"r.pdf\"\r\n"
            + $"Content-Transfer-Encoding: base64\r\n\r\n{pdf}\r\n--m1--\r\n";
        await using var gateway = await TestGateway.StartAsync(topExtra: world.Yaml(("rsa", true), ("ed", true)) + Rules);
        await using (var smtp = await gateway.ConnectAsync("outbound"))
        {
            await smtp.HelloAsync();
            await smtp.EnvelopeAsync("alice@signed.test", "bob@remote.test");
            await smtp.DataAsync(content);
        }
        var sent = await File.ReadAllBytesAsync(Assert.Single(await gateway.WaitForDropAsync(1, "outgoing")));

        var message = await MimeMessage.LoadAsync(new MemoryStream(sent));
        var mixed = Assert.IsType<Multipart>(message.Body);
        Assert.Equal("multipart/mixed", mixed.ContentType.MimeType);
        Assert.IsType<MultipartAlternative>(mixed[0]);
        Assert.Contains("Sent through Rampart, confidential.", message.TextBody, StringComparison.Ordinal);
        Assert.Contains("<b>Rampart</b>", message.HtmlBody, StringComparison.Ordinal);
        var attachment = Assert.IsType<MimePart>(Assert.Single(message.Attachments));
        using var decoded = new MemoryStream();
        await Assert.IsType<MimeContent>(attachment.Content).DecodeToAsync(decoded);
        Assert.Equal("%PDF-1.4 Sent through nothing\n", System.Text.Encoding.ASCII.GetString(decoded.ToArray()));

        var results = await world.MimeKitVerifyAsync(sent);
        Assert.Equal(["ed", "rsa"], results.Select(r => r.Selector).Order(StringComparer.Ordinal));
        Assert.All(results, r => Assert.True(r.Valid, $"selector {r.Selector}"));
        Assert.Contains("R_DKIM_ALLOW", await world.RspamdSymbolsAsync(sent));
    }
}
