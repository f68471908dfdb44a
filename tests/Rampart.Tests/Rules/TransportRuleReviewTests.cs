using System.Text;
using Rampart.Testing;
using static Rampart.Tests.Rules.RulesGateway;

namespace Rampart.Tests.Rules;

/// <summary>
/// The review's findings over real SMTP: a header section with a line longer than one read, our own trace fields kept
/// as ours through a rule's rewrite, a spoofed internal sender from outside, and a journaling copy before a redirect.
/// </summary>
public sealed class TransportRuleReviewTests
{
    private const string Journal = "  journal: {transport: drop, path: journal}\n";

    private static Task<TestGateway> StartAsync(string rules) =>
        TestGateway.StartYamlAsync(TestGateway.PlainYaml.Replace("  outgoing: {transport: drop, path: outgoing}\n",
            "  outgoing: {transport: drop, path: outgoing}\n" + Journal, StringComparison.Ordinal) + "\ntransport_rules:\n" + rules);

    private static async Task<string[]> DeliveredToAsync(TestGateway gateway, string folder)
    {
        var file = Assert.Single(await gateway.WaitForDropAsync(1, folder));
        var lines = await File.ReadAllLinesAsync(file);
        return [.. lines.TakeWhile(l => l.Length > 0).Where(l => l.StartsWith("Delivered-To: ", StringComparison.Ordinal)).Select(l => l[14..])];
    }

    [Theory]
    [InlineData(65_535)]
    [InlineData(65_540)]
    [InlineData(200_000)]
    public async Task Fields_below_a_line_longer_than_one_read_are_still_edited(int length)
    {
        await using var gateway = await TestGateway.StartAsync(inboundExtra: "limits: {max_text_line: 300000}", topExtra: "transport_rules:\n" + """
              - name: scrub
                actions:
                  remove_header: [X-Trusted]
                  set_header: {X-Origin: gateway}
                  prepend_subject: "[EXT]"
            """);
        // The line with its CRLF: the longer ones come to the editor in several reads (64 KiB each), within max_text_line.
        var pad = "X-Pad: " + new string('a', length - 9) + "\r\n";
        Assert.Equal(length, pad.Length);
        var content = "From: eve@sender.test\r\nTo: bob@example.test\r\n" + pad + "X-Trusted: yes\r\nX-Origin: forged\r\nSubject: Invoice\r\n\r\nPay now.\r\n";

        await SendAsync(gateway, content);

        var (message, raw) = await DeliveredAsync(gateway);
        Assert.DoesNotContain("X-Trusted", raw, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("gateway", Assert.Single(message.Headers, h => h.Field == "X-Origin").Value.Trim());
        Assert.Equal("[EXT] Invoice", message.Subject);
        Assert.Contains(new string('a', length - 9), raw, StringComparison.Ordinal);
        Assert.Contains("Pay now.", raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_spoofed_internal_sender_from_outside_is_external()
    {
        // The sender filter's own check is off, as where an inside host sends through the inbound listener too.
        await using var gateway = await TestGateway.StartAsync(inboundExtra: "sender_filter: {refuse_own_domains: false}", topExtra: "transport_rules:\n" + """
              - name: external-warning
                conditions: {direction: inbound, sender_scope: external}
                actions: {prepend_subject: "[EXTERNAL]"}
              - name: internal
                conditions: {sender_scope: internal}
                actions: {add_header: {X-Hit: internal}}
            """);

        await SendAsync(gateway, "From: CEO <ceo@mail.sender.test>\r\nTo: bob@example.test\r\nSubject: Urgent wire\r\n\r\nPay now.\r\n", from: "ceo@example.test");

        var (message, _) = await DeliveredAsync(gateway);
        Assert.Equal("[EXTERNAL] Urgent wire", message.Subject);
        Assert.Empty(Hits(message));
    }

    [Fact]
    public async Task A_journal_copy_added_before_a_redirect_by_a_later_rule_is_kept()
    {
        await using var gateway = await StartAsync("""
              - name: journal
                actions: {add_recipients: [journal@archive.test]}
              - name: review
                conditions: {recipient_addresses: [bob@example.test]}
                actions: {redirect: [review@example.test]}
            """);

        await SendAsync(gateway, "From: alice@sender.test\r\nTo: bob@example.test\r\nSubject: Minutes\r\n\r\nHello.\r\n");

        Assert.Equal(["review@example.test"], await DeliveredToAsync(gateway, "drop"));
        Assert.Equal(["journal@archive.test"], await DeliveredToAsync(gateway, "outgoing"));
    }

    [Theory]
    [InlineData("add_header: {X-Tag: out}")]
    [InlineData("disclaimer: {text: \"Sent by the company.\"}")]
    public async Task Our_received_stays_ours_through_a_rule_so_outbound_hygiene_hides_the_client(string action)
    {
        await using var gateway = await TestGateway.StartAsync(topExtra: "header_hygiene:\n  outbound: {hide_client_address: true, remove_internal_received: true}\n"
            + "transport_rules:\n  - name: out\n    conditions: {direction: outbound}\n    actions: {" + action + "}\n");
        await using (var smtp = await gateway.ConnectAsync("outbound"))
        {
            await smtp.HelloAsync("internal.corp.test");
            await smtp.EnvelopeAsync("alice@example.test", "bob@remote.test");
            await smtp.DataAsync("From: alice@example.test\r\nTo: bob@remote.test\r\nSubject: out\r\n\r\nbody\r\n");
        }
        var sent = await File.ReadAllTextAsync((await gateway.WaitForDropAsync(1, "outgoing"))[0], Encoding.Latin1);

        var header = sent[..sent.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
        Assert.DoesNotContain("127.0.0.1", header, StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(header, "^Received: from internal.corp.test\r\n", System.Text.RegularExpressions.RegexOptions.Multiline));
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(header, "^Received:", System.Text.RegularExpressions.RegexOptions.Multiline));
    }

    [Fact]
    public async Task Words_split_by_inline_tags_or_invisible_characters_are_found_and_a_suffix_needs_its_dot()
    {
        await using var gateway = await TestGateway.StartAsync(topExtra: MarkingRules(
            ("cash", "{body_words: [\"wire cash\"]}"),
            ("gift", "{body_words: [\"gift card\"]}"),
            ("paragraphs", "{body_words: [\"endstart\"]}"),
            ("sender-subdomains", "{sender_domains: [.sender.test]}")));
        var content = "From: x@badsender.test\r\nTo: bob@example.test\r\nSubject: hi\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/alternative; boundary=\"b\"\r\n\r\n"
            + "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBuy a gi\u200Bft c\u00ADard\u2060.\r\n"
            + "--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>wire ca<b></b>sh</p><p>end</p><p>start</p>\r\n--b--\r\n";

        await SendAsync(gateway, content, from: "x@badsender.test");

        // Block-level tags still separate words ("end" and "start" are two), inline ones do not.
        Assert.Equal(["cash", "gift"], Hits((await DeliveredAsync(gateway)).Message));
    }

    [Fact]
    public async Task An_attachment_inside_a_forwarded_message_is_matched()
    {
        await using var gateway = await TestGateway.StartAsync(topExtra: MarkingRules(("exe-name", "{attachment_names: [\"*.exe\"]}")));
        var inner = "From: x@elsewhere.test\r\nSubject: inner\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"i\"\r\n\r\n"
            + "--i\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
            + "--i\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"evil.exe\"\r\n\r\nMZ\r\n--i--\r\n";
        var content = "From: alice@sender.test\r\nTo: bob@example.test\r\nSubject: fwd\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"o\"\r\n\r\n"
            + "--o\r\nContent-Type: text/plain\r\n\r\nforwarded\r\n"
            + "--o\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename=\"fwd.eml\"\r\n\r\n" + inner + "--o--\r\n";

        await SendAsync(gateway, content);

        Assert.Equal(["exe-name"], Hits((await DeliveredAsync(gateway)).Message));
    }
}
