using System.Text;
using MimeKit;
using Rampart.Policy;
using Rampart.Policy.Rules.Actions;
using Rampart.Testing;

namespace Rampart.Tests.Rules;

/// <summary>
/// The disclaimer writer in a whole gateway: a test's filter calls it on what a client sent over SMTP, and the message
/// in the drop folder, parsed again with MimeKit, is what a reader would get.
/// </summary>
public sealed class DisclaimerSmtpTests
{
    private const string Text = "Sent from Example Ltd. Confidential.";

    private sealed class DisclaimerFilter : IMessageFilter
    {
        public DisclaimerResult? Last;

        public string Name => "test-disclaimer";

        public async ValueTask<Verdict> OnMessageAsync(MessageContext message, CancellationToken ct)
        {
            Last = await Disclaimer.AppendAsync(message, Text, null, ct);
            return Verdict.Next;
        }
    }

    private const string Pdf = "Content-Type: application/pdf; name=\"a.pdf\"\r\nContent-Disposition: attachment; filename=\"a.pdf\"\r\n" +
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjcKJSVFT0YK\r\n";

    private static async Task<(TestGateway Gateway, DisclaimerFilter Filter)> StartAsync(string inboundExtra = "")
    {
        var filter = new DisclaimerFilter();
        var yaml = TestGateway.PlainYaml;
        if (inboundExtra.Length > 0) yaml = yaml.Replace("accepted_domains: [example.test]", "accepted_domains: [example.test]\n    " + inboundExtra);
        return (await TestGateway.StartYamlAsync(yaml, messageFilters: _ => [filter]), filter);
    }

    private static async Task SendAsync(TestGateway gateway, string message)
    {
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync();
        await c.EnvelopeAsync("alice@sender.test", "bob@example.test");
        await c.DataAsync(message);
    }

    [Fact]
    public async Task An_alternative_with_an_attachment_keeps_both_alternatives_valid_and_the_attachment_byte_for_byte()
    {
        var (gateway, filter) = await StartAsync();
        await using var _ = gateway;
        await SendAsync(gateway, "From: alice@sender.test\r\nSubject: report\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"m\"\r\n\r\n" +
            "--m\r\nContent-Type: multipart/alternative; boundary=\"a\"\r\n\r\n" +
            "--a\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nCaf=E9 at noon\r\n" +
            "--a\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
            Convert.ToBase64String(Encoding.UTF8.GetBytes("<html><body><p>Caf\u00e9 at noon</p></body></html>")) + "\r\n--a--\r\n" +
            "--m\r\n" + Pdf + "--m--\r\n");

        var file = Assert.Single(await gateway.WaitForDropAsync(1));
        var delivered = await File.ReadAllBytesAsync(file);
        var message = MimeMessage.Load(new MemoryStream(delivered));

        Assert.Equal((DisclaimerOutcome.Appended, 2), (filter.Last!.Outcome, filter.Last.PartsChanged));
        Assert.Equal("Caf\u00e9 at noon\n\n" + Text + "\n", message.TextBody);
        Assert.Equal("<html><body><p>Caf\u00e9 at noon</p>\n<p>" + Text + "</p>\n</body></html>", message.HtmlBody);
        var alternative = Assert.IsType<MultipartAlternative>(((Multipart)message.Body!)[0]);
        Assert.Equal([ContentEncoding.QuotedPrintable, ContentEncoding.Base64], alternative.Cast<MimePart>().Select(p => p.ContentTransferEncoding));
        Assert.Contains("--m\r\n" + Pdf + "--m--", Encoding.Latin1.GetString(delivered), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signed_message_is_delivered_exactly_as_sent()
    {
        var (gateway, filter) = await StartAsync();
        await using var _ = gateway;
        const string Signed = "From: alice@sender.test\r\nSubject: signed\r\nMIME-Version: 1.0\r\n" +
            "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"s\"\r\n\r\n" +
            "--s\r\nContent-Type: text/plain\r\n\r\nsigned text\r\n--s\r\nContent-Type: application/pkcs7-signature\r\n\r\nMIAGCSqGSIb3DQEHAqCAMIACAQE=\r\n--s--\r\n";

        await SendAsync(gateway, Signed);

        var file = Assert.Single(await gateway.WaitForDropAsync(1));
        Assert.EndsWith(Signed, await File.ReadAllTextAsync(file), StringComparison.Ordinal);
        Assert.Equal(DisclaimerOutcome.Sealed, filter.Last!.Outcome);
    }

    /// <summary>
    /// The limit is measured as the framer measured the client's message, without the gateway's own Received field:
    /// 2020 bytes and 40 of disclaimer pass 2048, 1913 and 40 do not.
    /// </summary>
    [Fact]
    public async Task A_message_the_disclaimer_would_take_past_the_listeners_size_limit_is_delivered_without_it()
    {
        var (gateway, filter) = await StartAsync("limits: {max_message_size: 2048}");
        await using var _ = gateway;
        const string Head = "From: alice@sender.test\r\nSubject: big\r\n\r\n";
        var line = new string('x', 70) + "\r\n";
        var near = Head + string.Concat(Enumerable.Repeat(line, 27)) + new string('y', 33) + "\r\n";
        var below = Head + string.Concat(Enumerable.Repeat(line, 26));
        Assert.Equal((2020, 1913), (near.Length, below.Length));

        await SendAsync(gateway, near);
        var first = Assert.Single(await gateway.WaitForDropAsync(1));
        Assert.EndsWith(near, await File.ReadAllTextAsync(first), StringComparison.Ordinal);
        Assert.Equal(DisclaimerOutcome.TooLarge, filter.Last!.Outcome);

        await SendAsync(gateway, below);
        var second = Assert.Single(await gateway.WaitForDropAsync(2), f => f != first);
        Assert.EndsWith(Text + "\r\n", await File.ReadAllTextAsync(second), StringComparison.Ordinal);
        Assert.Equal(DisclaimerOutcome.Appended, filter.Last!.Outcome);
    }
}
