using System.Net;
using System.Text;
using Rampart.Testing;
using static Rampart.Tests.Rules.RulesGateway;

namespace Rampart.Tests.Rules;

/// <summary>
/// Each condition of the transport rules over real SMTP: one gateway whose rules each mark what they match, and
/// messages whose delivered copies show which held (and, as important, which did not).
/// </summary>
public sealed class TransportRuleConditionTests
{
    private static readonly (string, string)[] Conditions =
    [
        ("on-inbound", "{listeners: [inbound]}"),
        ("outbound-direction", "{direction: outbound}"),
        ("from-alice", "{sender_addresses: [Alice@Sender.test]}"),
        ("from-sender-domain", "{sender_domains: [.sender.test]}"),
        ("from-outside", "{sender_scope: external}"),
        ("from-inside", "{sender_scope: internal}"),
        ("to-carol", "{recipient_addresses: [carol@example.test]}"),
        ("to-inside", "{recipient_scope: internal}"),
        ("to-elsewhere", "{recipient_domains: [elsewhere.test]}"),
        ("mass-mailer", "{header_matches: {X-Mailer: \"(?i)^mass mailer 2\"}}"),
        ("subject-invoice", "{subject_words: [invoice, \"wire transfer\"]}"),
        ("body-password", "{body_words: [\"reset your password\"]}"),
        ("body-html-only", "{body_words: [\"click here now\"]}"),
        ("exe-name", "{attachment_names: [\"*.exe\"]}"),
        ("pdf-type", "{attachment_types: [\"application/pdf\"]}"),
        ("archive-type", "{attachment_types: [archive]}"),
        ("big-attachment", "{attachment_size_over: 3000}"),
        ("big-message", "{message_size_over: 6000}"),
        ("not-authenticated", "{authenticated: false}"),
        ("authenticated", "{authenticated: true}"),
        ("loopback-client", "{client_networks: [127.0.0.0/8]}"),
        ("documentation-client", "{client_networks: [192.0.2.0/24]}"),
        ("spf-none", "{spf: [none]}"),
        ("spf-pass", "{spf: [pass, fail]}"),
        ("scl-5", "{spam_level_at_least: 5}"),
        ("scl-0", "{spam_level_at_least: 0}"),
    ];

    private static Task<TestGateway> StartAsync(string outboundExtra = "") =>
        // DATE_MISSING weighs 6 here: a message without a Date has SCL 5, without reaching the reject score.
        TestGateway.StartAsync("spam: {url: off, tag_score: 14}", outboundExtra,
            topExtra: MarkingRules(Conditions) + "scoring: {weights: {DATE_MISSING: 6}}");

    private const string Plain = "From: Alice <alice@sender.test>\r\nTo: bob@example.test\r\nDate: Fri, 4 Dec 2026 19:00:00 +0000\r\n"
        + "Message-ID: <1@sender.test>\r\nSubject: Minutes\r\n\r\nHello Bob, the minutes.\r\n";

    [Fact]
    public async Task A_plain_inbound_message_meets_only_the_envelope_and_session_conditions_it_should()
    {
        await using var gateway = await StartAsync();

        await SendAsync(gateway, Plain);

        var (message, _) = await DeliveredAsync(gateway);
        Assert.Equal(["on-inbound", "from-alice", "from-sender-domain", "from-outside", "to-inside", "not-authenticated", "loopback-client",
            "spf-none", "scl-0"], Hits(message));
    }

    [Fact]
    public async Task Folded_encoded_and_repeated_headers_words_attachments_and_sizes_are_matched_on_what_a_reader_sees()
    {
        await using var gateway = await StartAsync();
        var exe = Convert.ToBase64String(new byte[4000], Base64FormattingOptions.InsertLineBreaks);
        var body = Convert.ToBase64String(Encoding.UTF8.GetBytes("Please reset   your\r\npassword today."), Base64FormattingOptions.InsertLineBreaks);
        var content = "From: Alice <alice@sender.test>\r\nTo: carol@example.test\r\nMessage-ID: <2@sender.test>\r\n"
            // Repeated: the first X-Mailer does not match, the second does once unfolded and decoded.
            + "X-Mailer: Outlook\r\nX-Mailer: =?utf-8?q?Mass_Mailer?=\r\n 2.0\r\n"
            + "Subject: =?iso-8859-1?q?Your_Invoice_f=FCr_Dezember?=\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
            + "--b1\r\nContent-Type: multipart/alternative; boundary=\"b2\"\r\n\r\n"
            + $"--b2\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{body}\r\n"
            + "--b2\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Click&nbsp;<b>here</b> now</p>\r\n--b2--\r\n"
            + $"--b1\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"setup.EXE\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{exe}\r\n"
            + "--b1\r\nContent-Type: application/pdf; name=\"a.pdf\"\r\nContent-Disposition: attachment\r\n\r\n%PDF-1.4\r\n"
            + "--b1\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"old.zip\"\r\n\r\nPK\r\n--b1--\r\n";

        await SendAsync(gateway, content, to: ["carol@example.test"]);

        var hits = Hits((await DeliveredAsync(gateway)).Message);
        Assert.Equal(["on-inbound", "from-alice", "from-sender-domain", "from-outside", "to-carol", "to-inside", "mass-mailer", "subject-invoice",
            "body-password", "body-html-only", "exe-name", "pdf-type", "archive-type", "big-attachment", "big-message", "not-authenticated",
            "loopback-client", "spf-none", "scl-5", "scl-0"], hits);
    }

    [Fact]
    public async Task Outbound_mail_from_an_internal_sender_to_another_domain_meets_the_outbound_conditions()
    {
        await using var gateway = await StartAsync();

        await SendAsync(gateway, Plain.Replace("alice@sender.test", "alice@example.test"), from: "alice@example.test", to: ["x@elsewhere.test"],
            listener: "outbound");

        // No spam verdict on outbound (scan_outbound off): neither SCL rule holds.
        var hits = Hits((await DeliveredAsync(gateway, "outgoing")).Message);
        Assert.Equal(["outbound-direction", "from-inside", "to-elsewhere", "not-authenticated", "loopback-client", "spf-none"], hits);
    }

    [Fact]
    public async Task An_authenticated_client_meets_authenticated_true()
    {
        const string auth = "auth: {mechanisms: [plain], failure_delay: 1ms, max_failure_delay: 5ms}";
        await using var gateway = await TestGateway.StartYamlAsync(TestGateway.StandardYaml
            .Replace("{inbound_extra}", "")
            .Replace("relay_networks: [127.0.0.0/8]", "relay_networks: [127.0.0.1/32]")
            .Replace("{outbound_extra}", auth) + "\n" + MarkingRules(Conditions));
        gateway.Users.Add("alice@example.test", "alice-pw", ["alice@example.test"]);
        await using var smtp = await gateway.ConnectAsync("outbound", from: IPAddress.Parse("127.0.0.2"));
        await smtp.HelloAsync();
        await smtp.CommandAsync("STARTTLS", "220");
        await smtp.StartTlsAsync();
        await smtp.CommandAsync("EHLO c.test", "250 ");
        await smtp.CommandAsync($"AUTH PLAIN {Convert.ToBase64String(Encoding.UTF8.GetBytes("\0alice@example.test\0alice-pw"))}", "235 2.7.0");
        await smtp.EnvelopeAsync("alice@example.test", "x@elsewhere.test");
        await smtp.DataAsync("From: alice@example.test\r\nSubject: hi\r\n\r\nx\r\n");

        var hits = Hits((await DeliveredAsync(gateway, "outgoing")).Message);
        Assert.Equal(["outbound-direction", "from-inside", "to-elsewhere", "authenticated", "loopback-client", "spf-none"], hits);
    }

    [Fact]
    public async Task A_look_alike_Unicode_sender_domain_is_not_the_ASCII_one()
    {
        await using var gateway = await StartAsync();
        // "sеnder.test" with a Cyrillic е (U+0435): to a reader the same domain, to the rules another one.
        const string lookAlike = "alice@s\u0435nder.test";
        await using (var smtp = await gateway.ConnectAsync())
        {
            await smtp.HelloAsync();
            await smtp.CommandAsync($"MAIL FROM:<{lookAlike}> SMTPUTF8", "250");
            await smtp.CommandAsync("RCPT TO:<bob@example.test>", "250");
            await smtp.DataAsync(Plain.Replace("alice@sender.test", lookAlike));
        }

        var hits = Hits((await DeliveredAsync(gateway)).Message);
        Assert.DoesNotContain("from-alice", hits);
        Assert.DoesNotContain("from-sender-domain", hits);
        Assert.Contains("from-outside", hits);
    }
}
