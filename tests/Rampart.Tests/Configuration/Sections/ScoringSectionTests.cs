using Rampart.Configuration;
using Rampart.Policy.Scoring;

namespace Rampart.Tests.Configuration.Sections;

/// <summary>The gateway's scoring: section: the weights table and the sender lists; mistakes named with file, line and key.</summary>
public sealed class ScoringSectionTests : ConfigTest
{
    private ScoringOptions Scoring(string yaml) => Load(Valid + "\nscoring:\n" + yaml).Scoring;

    [Fact]
    public void Without_the_section_there_are_no_weights_and_no_lists()
    {
        var scoring = Load(Valid).Scoring;
        Assert.Equal((0, false, BlockedSenderAction.Reject, true),
            (scoring.Weights.Count, scoring.HasSenderLists, scoring.BlockedAction, scoring.SafeSendersNeedAuthentication));
    }

    [Fact]
    public void The_scoring_keys_are_read()
    {
        var scoring = Scoring("""
              weights: {GTUBE: 50, rbl_zen_spamhaus_org: 7.5, DNSWL_LIST_DNSWL_ORG: -10}
              safe_senders: [partner.test, boss@corp.test]
              blocked_senders: [.bulk.test, "@spammer.test"]
              blocked_action: quarantine
              safe_senders_need_authentication: no
              recipients:
                bob@example.test: {safe_senders: [friend@home.test], blocked_senders: [ex@home.test]}
            """);

        Assert.Equal(7.5, scoring.Weights["RBL_ZEN_SPAMHAUS_ORG"]);
        Assert.Equal(-10, scoring.Weights["DNSWL_LIST_DNSWL_ORG"]);
        Assert.Equal(["partner.test", "boss@corp.test"], scoring.SafeSenders);
        Assert.Equal([".bulk.test", "@spammer.test"], scoring.BlockedSenders);
        Assert.Equal((BlockedSenderAction.Quarantine, false), (scoring.BlockedAction, scoring.SafeSendersNeedAuthentication));
        Assert.Equal(["ex@home.test"], scoring.Recipients["BOB@example.test"].BlockedSenders);
        Assert.Equal(new Rampart.Mail.Finding("GTUBE", 50), scoring.Table().Weigh(new Rampart.Mail.Finding("GTUBE", 100)));
    }

    [Fact]
    public void Safe_senders_on_a_spam_listener_without_sender_auth_give_a_warning_at_the_list()
    {
        var yaml = Changed("      command_timeout: 5m\n", "      command_timeout: 5m\n    spam: {url: off}\n") + "\nscoring:\n  safe_senders: [partner.test]\n";
        var path = Write(yaml);

        var warning = Assert.Single(ConfigLoader.Load(path, []).Warnings);

        Assert.StartsWith($"{path}:{ConfigFile.Position(yaml, "safe_senders: |[")}: scoring.safe_senders: listener 'inbound' judges safe senders without sender_auth", warning);
        Assert.Contains("no spf either, so none is ever honoured", warning);
        Assert.Empty(Load(yaml.Replace("    spam: {url: off}\n", "    spam: {url: off}\n    sender_auth: {}\n")).Warnings);
        Assert.Empty(Load(yaml + "  safe_senders_need_authentication: no\n").Warnings);
    }

    [Theory]
    [InlineData("  weights: {GTUBE: lots}", "GTUBE: |lots", "scoring.weights.GTUBE", "'lots' is not a weight from -1000 to 1000")]
    [InlineData("  weights: {GTUBE: 5000}", "GTUBE: |5000", "scoring.weights.GTUBE", "is not a weight from -1000 to 1000")]
    [InlineData("  weights: {\"BAD SYMBOL\": 1}", "SYMBOL\": |1", "scoring.weights.BAD SYMBOL", "is not a symbol")]
    [InlineData("  weights: {GTUBE: 1, gtube: 2}", "gtube: |2", "scoring.weights.gtube", "weighted twice")]
    [InlineData("  weights: {[GTUBE]: 1}", "{|[GTUBE]", "scoring.weights", "expected a name, not a list or section, as a key")]
    [InlineData("  weights: [GTUBE]", "weights: |[", "scoring.weights", "expected names with values")]
    [InlineData("  safe_senders: [\"not an address@\"]", "safe_senders: |[", "scoring.safe_senders", "is not an address, a domain")]
    [InlineData("  blocked_action: discard", "blocked_action: |discard", "scoring.blocked_action", "'discard' is not one of reject, quarantine")]
    [InlineData("  recipients: {nobody: {safe_senders: [a.test]}}", "nobody: |{", "scoring.recipients.nobody", "'nobody' is not a recipient address")]
    [InlineData("  recipients: {bob@example.test: {allow: [a.test]}}", "{|allow", "scoring.recipients.bob@example.test.allow", "unknown key")]
    [InlineData("  threshold: 5", "|threshold", "scoring.threshold", "unknown key")]
    public void A_scoring_mistake_is_named(string yaml, string at, string key, string problem) =>
        ConfigFile.AssertError(temp, Valid + "\nscoring:\n" + yaml, at, key, problem);
}
