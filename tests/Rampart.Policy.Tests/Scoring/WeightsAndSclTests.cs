using Rampart.Mail;
using Rampart.Policy.Scoring;

namespace Rampart.Policy.Tests.Scoring;

/// <summary>The one weights table: overrides, the sum of connection and transaction, the SCL mapping and a safe sender's bypass.</summary>
public sealed class WeightsAndSclTests
{
    [Theory]
    [InlineData(-20, 0)]
    [InlineData(0, 0)]
    [InlineData(0.99, 0)]
    [InlineData(1, 1)]
    [InlineData(4.9, 4)]
    [InlineData(5, 5)]  // Rspamd's "add header": Exchange's spam band starts at 5
    [InlineData(8.9, 6)]
    [InlineData(9, 7)]
    [InlineData(12, 8)]
    [InlineData(15, 9)] // Rspamd's "reject", GTUBE
    [InlineData(1000, 9)]
    public void Scores_map_to_the_documented_scl(double score, int scl) => Assert.Equal(scl, Scl.Of(score));

    [Fact]
    public void Every_level_starts_at_its_documented_score()
    {
        for (int level = 1; level <= 9; level++) Assert.Equal(level, Scl.Of(Scl.ScoreFor(level)));
        Assert.Equal(double.NegativeInfinity, Scl.ScoreFor(0));
    }

    [Fact]
    public void The_table_overrides_named_symbols_case_blind_and_sums_connection_and_transaction()
    {
        var connection = new Evidence();
        connection.Add("RBL_ZEN_SPAMHAUS_ORG", 8, "127.0.0.2 from zen.spamhaus.org");
        connection.Add("DNSWL_LIST_DNSWL_ORG", -5);
        var transaction = new Evidence();
        transaction.Add("SPF_FAIL", 3);
        transaction.Add("HTML_ONLY", 1);
        var table = new WeightsTable(new Dictionary<string, double> { ["spf_fail"] = 6, ["HTML_ONLY"] = 0 });

        var card = table.Score(connection, transaction);

        Assert.Equal(9, card.Score);
        Assert.Equal(7, card.Scl);
        Assert.Equal("RBL_ZEN_SPAMHAUS_ORG(8),DNSWL_LIST_DNSWL_ORG(-5),SPF_FAIL(6),HTML_ONLY(0)", card.SymbolList());
        Assert.Equal(["RBL_ZEN_SPAMHAUS_ORG", "SPF_FAIL"], card.Deciders());
        Assert.Equal("9.0 scl 7 [RBL_ZEN_SPAMHAUS_ORG(8),DNSWL_LIST_DNSWL_ORG(-5),SPF_FAIL(6),HTML_ONLY(0)]", card.Summary);
    }

    [Fact]
    public void A_safe_sender_makes_the_card_bypassed_with_its_score_still_added_up()
    {
        var transaction = new Evidence();
        transaction.Add("GTUBE", 100);
        transaction.Add(SenderListRules.SafeSender, 0, "partner@example.org");

        var card = WeightsTable.Empty.Score(new Evidence(), transaction);

        Assert.Equal((100.0, Scl.Bypassed), (card.Score, card.Scl));
    }

    [Fact]
    public void Hostile_symbol_names_are_made_safe_for_replies_headers_and_logs()
    {
        var transaction = new Evidence();
        transaction.Add("EVIL\r\n550 forged", 5);
        transaction.Add(new string('A', 500), 1);

        var card = WeightsTable.Empty.Score(new Evidence(), transaction);

        Assert.Equal("EVIL__550_forged", card.Deciders()[0]);
        Assert.Equal(64, card.Deciders()[1].Length);
        Assert.DoesNotContain('\r', card.Summary);
    }
}
