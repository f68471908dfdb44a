using MimeKit;
using Rampart.Queue.Quarantine;
using Rampart.Testing;
using static Rampart.Tests.Rules.RulesGateway;

namespace Rampart.Tests.Rules;

/// <summary>
/// The header, subject, reject, quarantine and stop actions over real SMTP, with exceptions and the order of rules:
/// what the client is answered, and what the drop folder or the quarantine holds.
/// </summary>
public sealed class TransportRuleActionTests
{
    private const string Mail = "From: Alice <alice@sender.test>\r\nTo: bob@example.test\r\nSubject: Minutes\r\n"
        + "X-Internal-Id: 42\r\nX-Tag: one\r\nX-Tag: two\r\n\r\nHello Bob.\r\n";

    private static Task<TestGateway> StartAsync(string rules) => TestGateway.StartAsync(topExtra: "transport_rules:\n" + rules);

    [Fact]
    public async Task Headers_are_added_set_and_removed_and_the_body_is_left_byte_for_byte()
    {
        await using var gateway = await StartAsync("""
              - name: headers
                actions:
                  add_header: {X-Added: "from a rule", X-Tag: three}
                  set_header: {X-Tag: "only me — ünïcode"}
                  remove_header: [x-internal-id]
            """);

        await SendAsync(gateway, Mail);

        var (message, raw) = await DeliveredAsync(gateway);
        Assert.Equal(["from a rule"], message.Headers.Where(h => h.Field == "X-Added").Select(h => h.Value));
        // set_header comes after add_header in the rule: it replaces every X-Tag, the added one too.
        Assert.Equal(["only me — ünïcode"], message.Headers.Where(h => h.Field == "X-Tag").Select(h => h.Value));
        Assert.Contains("X-Tag: only me =?utf-8?", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Internal-Id", raw, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\r\nReceived: from c.test", "\r\n" + raw, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nHello Bob.\r\n", raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_subject_prefix_is_added_once_in_plain_ASCII_and_RFC_2047_encoded_when_it_is_not()
    {
        await using var gateway = await StartAsync("""
              - name: external
                actions: {prepend_subject: "[EXTERNAL]"}
              - name: german
                actions: {prepend_subject: "[Extern — Vorsicht]"}
            """);

        await SendAsync(gateway, Mail.Replace("Subject: Minutes", "Subject: [EXTERNAL] Minutes"));

        var (message, raw) = await DeliveredAsync(gateway);
        // The first rule's prefix was there already; the second goes in front of it, encoded.
        Assert.Equal("[Extern — Vorsicht] [EXTERNAL] Minutes", message.Subject);
        Assert.Matches(@"\r\nSubject: [^\r\n]*=\?utf-8\?", raw);
        Assert.Single(message.Headers, h => h.Id == HeaderId.Subject);
    }

    [Fact]
    public async Task An_ASCII_prefix_keeps_the_subject_bytes_and_a_subject_hiding_a_line_break_stays_one_field()
    {
        await using var gateway = await StartAsync("""
              - name: external
                actions: {prepend_subject: "[EXT]"}
            """);
        // An encoded CR LF inside the subject: written back decoded it would start a Bcc field.
        await SendAsync(gateway, Mail.Replace("Subject: Minutes", "Subject: =?utf-8?q?Hi=0D=0ABcc:_victim@example.test?="));
        var (message, raw) = await DeliveredAsync(gateway);

        Assert.Equal("[EXT] HiBcc: victim@example.test", message.Subject);
        Assert.DoesNotContain("\r\nBcc:", raw, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(message.Bcc);
    }

    [Fact]
    public async Task A_missing_subject_gets_one_made_of_the_prefix()
    {
        await using var gateway = await StartAsync("  - name: external\n    actions: {prepend_subject: \"[EXT]\"}\n");

        await SendAsync(gateway, Mail.Replace("Subject: Minutes\r\n", ""));

        Assert.Equal("[EXT]", (await DeliveredAsync(gateway)).Message.Subject);
    }

    [Theory]
    [InlineData("550 5.7.1 Executables are not accepted here", "550 5.7.1 Executables are not accepted here")]
    [InlineData("451 4.7.1 Try again after the review", "451 4.7.1 Try again after the review")]
    public async Task Reject_answers_the_chosen_reply_and_keeps_nothing(string reply, string expected)
    {
        await using var gateway = await StartAsync($$$"""
              - name: mark
                actions: {add_header: {X-Mark: yes}}
              - name: refuse
                conditions: {subject_words: [minutes]}
                actions: {reject: "{{{reply}}}"}
              - name: never-reached
                actions: {quarantine: true}
            """);

        var lines = await SendAsync(gateway, Mail, expected: expected);

        Assert.Equal(expected, lines[^1]);
        await gateway.WaitForEmptyQueueAsync();
        Assert.Equal(0, gateway.DropCount());
        Assert.Empty(new QuarantineStore(gateway.Gateway.Queue.Root).List());
    }

    [Fact]
    public async Task Quarantine_holds_the_message_with_the_rule_named_and_its_header_changes_made()
    {
        await using var gateway = await StartAsync("""
              - name: payments-review
                conditions: {subject_words: [minutes]}
                actions:
                  quarantine: payment request needs review
                  add_header: {X-Reviewed-By-Rule: payments-review}
            """);

        await SendAsync(gateway, Mail);

        var held = Assert.Single(new QuarantineStore(gateway.Gateway.Queue.Root).List()).Envelope.Quarantine!;
        Assert.Equal("rule payments-review: payment request needs review", held.Reason);
        Assert.Equal(["transport_rules"], held.Filters);
        Assert.Equal(0, gateway.DropCount());
    }

    [Fact]
    public async Task Exceptions_skip_a_rule_stop_ends_the_list_and_rules_run_in_their_order()
    {
        await using var gateway = await StartAsync("""
              - name: first
                actions: {prepend_subject: "[A]", add_header: {X-Order: first}}
              - name: partners-spared
                conditions: {sender_scope: external}
                exceptions: {sender_domains: [partner.test], subject_words: [nothing-like-this]}
                actions: {prepend_subject: "[B]", add_header: {X-Order: second}}
                stop: true
              - name: after-stop
                actions: {add_header: {X-Order: third}}
            """);

        await SendAsync(gateway, Mail);
        var (message, _) = await DeliveredAsync(gateway);
        Assert.Equal("[B] [A] Minutes", message.Subject);
        Assert.Equal(["first", "second"], message.Headers.Where(h => h.Field == "X-Order").Select(h => h.Value));

        await SendAsync(gateway, Mail.Replace("alice@sender.test", "alice@partner.test"), from: "alice@partner.test");
        var files = await gateway.WaitForDropAsync(2);
        message = (await Task.WhenAll(files.Select(f => MimeMessage.LoadAsync(f)))).Single(m => m.From.Mailboxes.Single().Address == "alice@partner.test");
        Assert.Equal("[A] Minutes", message.Subject);
        Assert.Equal(["first", "third"], message.Headers.Where(h => h.Field == "X-Order").Select(h => h.Value));
    }

    [Fact]
    public async Task A_disabled_rule_does_nothing()
    {
        await using var gateway = await StartAsync("""
              - name: off
                enabled: false
                actions: {reject: "550 5.7.1 No"}
              - name: on
                actions: {add_header: {X-On: yes}}
            """);

        await SendAsync(gateway, Mail);

        Assert.Equal("yes", (await DeliveredAsync(gateway)).Message.Headers["X-On"]);
    }
}
