using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Rampart.Mail;
using Rampart.Testing;
using Rampart.Tracking;
using static Rampart.Tests.Rules.RulesGateway;

namespace Rampart.Tests.Rules;

/// <summary>
/// The rules against hostile messages (a header built to make a backtracking regex run for ever, NUL, a huge body),
/// and what they leave behind: tracking events, the transaction line, and a reload that changes them.
/// </summary>
public sealed class TransportRuleHostileTests
{
    private const string Mail = "From: Alice <alice@sender.test>\r\nTo: bob@example.test\r\nSubject: Minutes\r\n\r\nHello Bob.\r\n";

    [Fact]
    public async Task A_header_made_for_catastrophic_backtracking_is_matched_in_linear_time_and_does_not_match()
    {
        // ^(a+)+$ against "aaaa…a!" takes 2^n steps in a backtracking engine: 20,000 a's would never end.
        await using var gateway = await TestGateway.StartAsync(topExtra: MarkingRules(("evil-regex", "{header_matches: {X-Evil: \"^(a+)+$\"}}"),
            ("after", "{subject_words: [minutes]}")));
        var header = "X-Evil: " + string.Join("\r\n ", Enumerable.Repeat(new string('a', 900), 22)) + "!\r\n";

        await SendAsync(gateway, header + Mail);

        Assert.Equal(["after"], Hits((await DeliveredAsync(gateway)).Message));
    }

    [Fact]
    public async Task A_NUL_in_a_header_is_refused_before_any_rule_reads_it()
    {
        await using var gateway = await TestGateway.StartAsync(topExtra: MarkingRules(("any", "{subject_words: [minutes]}")));

        await SendAsync(gateway, "X-Nul: a\0b\r\n" + Mail, expected: "554 5.6.0");

        await gateway.WaitForEmptyQueueAsync();
        Assert.Equal(0, gateway.DropCount());
    }

    [Fact]
    public async Task Body_words_are_looked_for_only_in_the_first_bytes_the_limit_allows()
    {
        await using var gateway = await TestGateway.StartAsync(topExtra: "transport_rules_limits: {max_body_scan: 4KiB}\n"
            + MarkingRules(("early", "{body_words: [early]}"), ("late", "{body_words: [late]}")));
        var body = "early\r\n" + string.Concat(Enumerable.Repeat(new string('x', 70) + "\r\n", 200)) + "late\r\n";

        await SendAsync(gateway, "From: alice@sender.test\r\nSubject: s\r\n\r\n" + body);

        Assert.Equal(["early"], Hits((await DeliveredAsync(gateway)).Message));
    }

    [Fact]
    public async Task Every_action_is_a_tracking_event_and_the_transaction_line_names_the_rules_that_matched()
    {
        var transactions = new LogRecorder(EventCatalogue.Transaction);
        await using var gateway = await TestGateway.StartAsync(topExtra: """
            transport_rules:
              - name: external-warning
                conditions: {sender_scope: external}
                actions: {prepend_subject: "[EXTERNAL]", add_header: {X-External: "yes"}}
                stop: true
              - name: never
                actions: {add_header: {X-Never: "yes"}}
            """, logging: b => b.AddProvider(transactions).AddFilter<LogRecorder>(null, LogLevel.Information));

        await SendAsync(gateway, Mail.Replace("Subject: Minutes", "Message-ID: <rules-1@sender.test>\r\nSubject: Minutes"));
        await DeliveredAsync(gateway);

        await gateway.Gateway.TrackingWriter!.FlushAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        var chain = await gateway.Gateway.Tracking!.SearchAsync(new TrackingQuery { MessageId = "rules-1@sender.test" }, default);
        var rules = chain.Where(e => e.Kind == TrackingEventKind.Filter && e.Stage == "rules").Select(e => e.Detail).ToList();
        Assert.Equal(["RULE external-warning: add header X-External", "RULE external-warning: prepend subject \"[EXTERNAL]\"",
            "RULE external-warning: stop processing rules"], rules);
        // The line is written as the transaction ends, which the client's 250 does not wait for.
        await BoundedWait.UntilAsync(() => transactions.Lines.Any(l => l.Contains("rules=\"external-warning\"", StringComparison.Ordinal)
            && l.Contains("verdict=\"250", StringComparison.Ordinal)), "the transaction line naming the rule", describe: () => string.Join("\n", transactions.Lines));
    }

    [Fact]
    public async Task A_reload_changes_the_rules_for_the_next_message()
    {
        await using var gateway = await TestGateway.StartAsync(topExtra: "transport_rules:\n  - name: tag\n    actions: {prepend_subject: \"[OLD]\"}\n");
        await SendAsync(gateway, Mail);
        Assert.Equal("[OLD] Minutes", (await DeliveredAsync(gateway)).Message.Subject);

        File.WriteAllText(gateway.ConfigPath, File.ReadAllText(gateway.ConfigPath).Replace("{prepend_subject: \"[OLD]\"}\n", "{prepend_subject: \"[NEW]\"}\n"
            + "  - name: refuse-invoices\n    conditions: {subject_words: [invoice]}\n    actions: {reject: \"550 5.7.1 No invoices here\"}\n", StringComparison.Ordinal));
        Assert.True(await new Rampart.Gateway.Reloader(gateway.Gateway, gateway.ConfigPath, NullLogger.Instance).ReloadAsync());

        await SendAsync(gateway, Mail);
        Assert.Equal("[NEW] Minutes", (await NextDeliveredAsync(gateway, 1)).Message.Subject);
        await SendAsync(gateway, Mail.Replace("Minutes", "Invoice"), expected: "550 5.7.1 No invoices here");
    }

    [Fact]
    public async Task A_reload_with_a_broken_rule_is_refused_and_the_running_rules_stay()
    {
        await using var gateway = await TestGateway.StartAsync(topExtra: "transport_rules:\n  - name: tag\n    actions: {prepend_subject: \"[OLD]\"}\n");

        File.WriteAllText(gateway.ConfigPath, File.ReadAllText(gateway.ConfigPath).Replace("prepend_subject", "prepend_subjekt", StringComparison.Ordinal));
        Assert.False(await new Rampart.Gateway.Reloader(gateway.Gateway, gateway.ConfigPath, NullLogger.Instance).ReloadAsync());

        await SendAsync(gateway, Mail);
        Assert.Equal("[OLD] Minutes", (await DeliveredAsync(gateway)).Message.Subject);
    }
}
