using Rampart.Policy.Rules;

namespace Rampart.Tests.Configuration.Sections;

/// <summary>transport_rules: the rules' keys, what each listener gets, and every mistake placed at its file, line and key.</summary>
public sealed class TransportRulesSectionTests : ConfigTest
{
    private const string Rules = Valid + """

        transport_rules:
          - name: external-warning
            description: Outside mail gets a warning
            conditions:
              direction: inbound
              sender_scope: external
            actions:
              prepend_subject: "[EXTERNAL]"
        """;

    private void AssertRuleMistake(string find, string replace, string at, string key, string problem)
    {
        Assert.Contains(find, Rules, StringComparison.Ordinal);
        ConfigFile.AssertError(temp, Rules.Replace(find, replace, StringComparison.Ordinal), at, key, problem);
    }

    [Theory]
    [InlineData("      sender_scope: external", "      sender_scope: external\n      sender_colour: red", "|sender_colour", "transport_rules[0].conditions.sender_colour", "unknown key")]
    [InlineData("      prepend_subject: \"[EXTERNAL]\"", "      prepend_subject: \"[EXTERNAL]\"\n      forward_to: x@y.test", "|forward_to", "transport_rules[0].actions.forward_to", "unknown key")]
    [InlineData("      sender_scope: external", "      header_matches: {X-Mailer: \"([a-z\"}", "X-Mailer: |\"([a-z\"", "transport_rules[0].conditions.header_matches.X-Mailer", "is not a regular expression")]
    [InlineData("      sender_scope: external", "      header_matches: {X-Mailer: \"(a)\\\\1\"}", "X-Mailer: |\"(a)", "transport_rules[0].conditions.header_matches.X-Mailer", "needs backtracking")]
    [InlineData("      sender_scope: external", "      header_matches: {\"X Mailer\": a}", "\"X Mailer\": |a", "transport_rules[0].conditions.header_matches.X Mailer", "is not a header field name")]
    [InlineData("      direction: inbound", "      listeners: [inbuond]", "listeners: |[inbuond]", "transport_rules[0].conditions.listeners", "there is no listener named 'inbuond' (listeners: inbound, outbound)")]
    [InlineData("      direction: inbound", "      direction: sideways", "direction: |sideways", "transport_rules[0].conditions.direction", "'sideways' is not one of inbound, outbound")]
    [InlineData("    actions:\n      prepend_subject: \"[EXTERNAL]\"", "    stop: false", "- |name", "transport_rules[0].actions", "a rule needs at least one action (or stop: true)")]
    [InlineData("    conditions:\n      direction: inbound\n      sender_scope: external", "    conditions: {}", "conditions: |{}", "transport_rules[0].conditions", "is empty; leave conditions out to match every message")]
    [InlineData("  - name: external-warning", "  - name: external warning", "name: |external warning", "transport_rules[0].name", "is not a rule name")]
    [InlineData("      prepend_subject: \"[EXTERNAL]\"", "      prepend_subject: \"[EXT]\\r\\nBcc: victim@example.test\"", "prepend_subject: |\"[EXT]", "transport_rules[0].actions.prepend_subject", "control character U+000D")]
    [InlineData("      prepend_subject: \"[EXTERNAL]\"", "      prepend_subject: \"[EXT\u202E]\"", "prepend_subject: |\"[EXT", "transport_rules[0].actions.prepend_subject", "invisible format character U+202E")]
    [InlineData("      prepend_subject: \"[EXTERNAL]\"", "      add_header: {X-Tag: \"a\\nB: c\"}", "add_header: |{", "transport_rules[0].actions.add_header", "control character U+000A")]
    [InlineData("      prepend_subject: \"[EXTERNAL]\"", "      add_header: {Received: forged}", "{Received: |forged", "transport_rules[0].actions.add_header.Received", "is a trace field")]
    [InlineData("      prepend_subject: \"[EXTERNAL]\"", "      remove_header: [Content-Type]", "remove_header: |[", "transport_rules[0].actions.remove_header", "describes the MIME structure")]
    [InlineData("      prepend_subject: \"[EXTERNAL]\"", "      reject: \"550 4.7.1 Go away\"", "reject: |\"550", "transport_rules[0].actions.reject", "must be an enhanced code of class 5 (5.x.x) to go with 550")]
    [InlineData("      prepend_subject: \"[EXTERNAL]\"", "      reject: \"250 2.0.0 Fine\"", "reject: |\"250", "transport_rules[0].actions.reject", "with a 4xx or 5xx code")]
    [InlineData("      prepend_subject: \"[EXTERNAL]\"", "      reject: \"451 4.7.1 Réessayez\"", "reject: |\"451", "transport_rules[0].actions.reject", "must be printable US-ASCII")]
    [InlineData("      prepend_subject: \"[EXTERNAL]\"", "      reject: 550 5.7.1", "reject: |550", "transport_rules[0].actions.reject", "is not \"CODE ENHANCED-CODE text\"")]
    [InlineData("      prepend_subject: \"[EXTERNAL]\"", "      reject: \"550 5.7.1 No\"\n      quarantine: true", "quarantine: |true", "transport_rules[0].actions.quarantine", "cannot also quarantine")]
    [InlineData("      sender_scope: external", "      client_networks: [010.0.0.0/8]", "client_networks: |[", "transport_rules[0].conditions.client_networks", "is not a strictly written IP address")]
    [InlineData("      sender_scope: external", "      attachment_types: [spreadsheet-ish]", "attachment_types: |[", "transport_rules[0].conditions.attachment_types", "'spreadsheet-ish' is neither a MIME type")]
    [InlineData("      sender_scope: external", "      spf: [maybe]", "spf: |[", "transport_rules[0].conditions.spf", "'maybe' is not a spf result")]
    [InlineData("      sender_scope: external", "      spam_level_at_least: 10", "spam_level_at_least: |10", "transport_rules[0].conditions.spam_level_at_least", "from 0 to 9")]
    [InlineData("      sender_scope: external", "      sender_domains: [\"exa mple.test\"]", "sender_domains: |[", "transport_rules[0].conditions.sender_domains", "is not a domain name")]
    [InlineData("      sender_scope: external", "      recipient_addresses: [bob]", "recipient_addresses: |[", "transport_rules[0].conditions.recipient_addresses", "'bob' is not an address")]
    [InlineData("      sender_scope: external", "      subject_words: []", "subject_words: |[]", "transport_rules[0].conditions.subject_words", "needs at least one item")]
    [InlineData("      prepend_subject: \"[EXTERNAL]\"", "      route: nowhere", "route: |nowhere", "transport_rules[0].actions.route", "there is no route named 'nowhere' (routes: local, internal)")]
    [InlineData("      prepend_subject: \"[EXTERNAL]\"", "      redirect: [not-an-address]", "redirect: |[", "transport_rules[0].actions.redirect", "is not an address")]
    [InlineData("      prepend_subject: \"[EXTERNAL]\"", "      redirect: [\"\\\"jdoe\\\"@example.test\"]", "redirect: |[", "transport_rules[0].actions.redirect", "an address holds a space")]
    [InlineData("      prepend_subject: \"[EXTERNAL]\"", "      add_recipients: [jörg@example.test]", "add_recipients: |[", "transport_rules[0].actions.add_recipients", "is not ASCII")]
    [InlineData("      prepend_subject: \"[EXTERNAL]\"", "      remove_header: [Authentication-Results]", "remove_header: |[", "transport_rules[0].actions.remove_header", "is this gateway's own verdict")]
    [InlineData("      prepend_subject: \"[EXTERNAL]\"", "      disclaimer: {text_file: missing.txt}", "text_file: |missing.txt", "transport_rules[0].actions.disclaimer.text_file", "'missing.txt' does not exist")]
    [InlineData("      prepend_subject: \"[EXTERNAL]\"", "      disclaimer: {html: \"<p>x</p>\"}", "disclaimer: |{", "transport_rules[0].actions.disclaimer.text", "give the disclaimer's text, or text_file")]
    [InlineData("      prepend_subject: \"[EXTERNAL]\"", "      disclaimer: {text: \"a\\u0007b\"}", "text: |\"a", "transport_rules[0].actions.disclaimer.text", "control character U+0007")]
    [InlineData("      prepend_subject: \"[EXTERNAL]\"", "      discard: true\n      add_recipients: [j@x.test]", "discard: |true", "transport_rules[0].actions.discard", "does nothing else")]
    [InlineData("transport_rules:", "transport_rules_limits: {regex_timeout: 0ms}\ntransport_rules:", "regex_timeout: |0ms", "transport_rules_limits.regex_timeout", "is not a duration")]
    public void A_mistake_names_the_file_position_key_and_problem(string find, string replace, string at, string key, string problem) =>
        AssertRuleMistake(find, replace, at, key, problem);

    [Fact]
    public void A_header_pattern_over_1_KiB_is_refused() =>
        AssertRuleMistake("      sender_scope: external", "      header_matches: {X-Mailer: " + new string('a', 1025) + "}", "X-Mailer: |aaaa",
            "transport_rules[0].conditions.header_matches.X-Mailer", "longer than 1024 characters");

    [Fact]
    public void The_envelope_actions_are_read_with_a_disclaimer_file_relative_to_the_configuration()
    {
        File.WriteAllText(temp.File("footer.txt"), "Line one.\nLine two — ü.\n");
        var rule = Assert.Single(Load(Valid + """

            transport_rules:
              - name: all
                actions:
                  disclaimer: {text_file: footer.txt, html: "<p>HTML</p>"}
                  redirect: [review@example.test]
                  add_recipients: [journal@example.test, copy@example.test]
                  route: internal
            """).TransportRules!.Rules);

        Assert.Equal(new DisclaimerAction("Line one.\nLine two — ü.\n", "<p>HTML</p>"), rule.Actions[0]);
        Assert.Equal(["append disclaimer", "redirect to review@example.test", "add recipients journal@example.test, copy@example.test",
            "route through internal"], rule.Actions.Select(a => a.Describe));
    }

    [Fact]
    public void A_second_rule_of_the_same_name_is_refused_where_it_is_written()
    {
        var yaml = Rules + "\n  - name: External-Warning\n    actions: {quarantine: true}\n";

        ConfigFile.AssertError(temp, yaml, "name: |External-Warning", "transport_rules[1].name", "a rule named 'External-Warning' comes earlier in the list");
    }

    [Fact]
    public void Each_listener_gets_the_rules_that_can_match_on_it_and_no_filter_where_none_can()
    {
        var options = Load(Rules);

        Assert.Equal(["external-warning"], options.TransportRules!.Rules.Select(r => r.Name));
        var inbound = options.Listeners.Single(l => l.Name == "inbound");
        Assert.Equal(["external-warning"], inbound.TransportRules!.Rules.Select(r => r.Name));
        Assert.Null(options.Listeners.Single(l => l.Name == "outbound").TransportRules);
        Assert.Contains("transport_rules", Rampart.Gateway.ListenerFilters.NamesFor(inbound, options.Scoring));
        Assert.DoesNotContain("transport_rules", Rampart.Gateway.ListenerFilters.NamesFor(options.Listeners.Single(l => l.Name == "outbound"), options.Scoring));
    }

    [Fact]
    public void Every_condition_and_action_key_is_read_in_the_written_order()
    {
        var options = Load(Valid + """

            transport_rules_limits: {max_body_scan: 64KiB, regex_timeout: 50ms}
            transport_rules:
              - name: all-keys
                enabled: false
                conditions:
                  listeners: [inbound]
                  sender_addresses: [a@x.test]
                  sender_domains: [.x.test]
                  recipient_scope: internal
                  header_matches: {X-Mailer: "(?i)^bulk"}
                  subject_words: [invoice]
                  body_words: ["wire transfer"]
                  attachment_names: ["*.EXE"]
                  attachment_types: [archive, "application/*"]
                  attachment_size_over: 1MiB
                  message_size_over: 10MiB
                  spam_level_at_least: 5
                  dmarc: [fail, none]
                  authenticated: false
                  client_networks: [192.0.2.0/24, "2001:db8::/32"]
                exceptions:
                  sender_scope: internal
                actions:
                  add_header: {X-A: "1", X-B: "zwei — 2"}
                  set_header: {X-C: "3"}
                  remove_header: [X-D, X-E]
                  prepend_subject: "[RULE]"
                  quarantine: held by a rule
                stop: true
            """);

        var rules = options.TransportRules!;
        Assert.Equal((65536L, TimeSpan.FromMilliseconds(50)), (rules.MaxBodyScan, rules.RegexTimeout));
        var rule = Assert.Single(rules.Rules);
        Assert.False(rule.Enabled);
        Assert.True(rule.Stop);
        Assert.Equal(["listeners", "sender_addresses", "sender_domains", "recipient_scope", "header_matches", "subject_words", "body_words",
            "attachment_names", "attachment_types", "attachment_size_over", "message_size_over", "spam_level_at_least", "dmarc", "authenticated",
            "client_networks"], rule.Conditions.Select(c => c.Key));
        Assert.Equal(["sender_scope"], rule.Exceptions.Select(c => c.Key));
        Assert.Equal(["add header X-A", "add header X-B", "set header X-C", "remove header X-D", "remove header X-E", "prepend subject \"[RULE]\"",
            "quarantine (held by a rule)"], rule.Actions.Select(a => a.Describe));
        Assert.Equal(["*.exe"], ((AttachmentNameCondition)rule.Conditions[7]).Globs);
        // A disabled rule can match nowhere: no listener gets a filter for it.
        Assert.All(options.Listeners, l => Assert.Null(l.TransportRules));
    }
}
