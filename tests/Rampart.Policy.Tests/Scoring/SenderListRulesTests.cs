using Rampart.Mail;
using Rampart.Policy.Scoring;

namespace Rampart.Policy.Tests.Scoring;

/// <summary>Safe and blocked senders, global and per recipient, and the forgeries a safe-sender list invites.</summary>
public sealed class SenderListRulesTests
{
    private static readonly ScoringOptions Lists = new()
    {
        SafeSenders = ["partner.test", "boss@corp.test"],
        BlockedSenders = ["spammer.test", ".bulk.test"],
        Recipients = new Dictionary<string, RecipientSenderLists>
        {
            ["bob@example.test"] = new(["friend@home.test"], ["ex@home.test"]),
            ["carol@example.test"] = new(["friend@home.test"], []),
        },
    };

    private static (SenderListing Listing, Evidence Evidence) Judge(string sender, string[] from, string[] to, ScoringOptions? options = null,
        Action<Evidence>? before = null)
    {
        var evidence = new Evidence();
        before?.Invoke(evidence);
        var listing = new SenderListRules(options ?? Lists).Judge(new Sender(sender), from, [.. to.Select(r => new Recipient(r))], evidence);
        return (listing, evidence);
    }

    [Theory]
    [InlineData("a@spammer.test", "a@spammer.test", SenderListing.Blocked)]
    [InlineData("bounce@ok.test", "x@mail.bulk.test", SenderListing.Blocked)]   // the header From alone blocks
    [InlineData("a@SPAMMER.test", "nice@ok.test", SenderListing.Blocked)]      // the envelope alone blocks, any case
    [InlineData("news@partner.test", "news@partner.test", SenderListing.Safe)]
    [InlineData("bounce@esp.test", "boss@corp.test", SenderListing.Safe)]     // what the reader sees decides safety
    [InlineData("boss@corp.test", "someone@else.test", SenderListing.None)]   // a safe envelope under a stranger's From is not
    [InlineData("a@partner.test", "a@spammer.test", SenderListing.Blocked)]    // blocked wins
    [InlineData("a@nowhere.test", "a@nowhere.test", SenderListing.None)]
    public void Global_lists_judge_envelope_and_header_from(string sender, string from, SenderListing expected) =>
        Assert.Equal(expected, Judge(sender, [from], ["bob@example.test"]).Listing);

    [Fact]
    public void A_second_author_in_the_from_field_does_not_ride_on_a_safe_one()
    {
        Assert.Equal(SenderListing.None, Judge("a@partner.test", ["a@partner.test", "b@elsewhere.test"], ["bob@example.test"]).Listing);
        Assert.Equal(SenderListing.Safe, Judge("a@partner.test", [], ["bob@example.test"]).Listing); // no From: the envelope stands in
    }

    [Fact]
    public void Too_many_authors_or_a_look_alike_domain_are_never_safe()
    {
        var many = Enumerable.Repeat("a@partner.test", SenderListRules.MaxAuthors).Append("mallory@evil.test").ToArray();
        Assert.Equal(SenderListing.None, Judge("a@partner.test", many, ["bob@example.test"]).Listing);
        Assert.Equal(SenderListing.Safe, Judge("a@partner.test", many[..^1], ["bob@example.test"]).Listing);
        Assert.Equal(SenderListing.None, Judge("a@p\u0430rtner.test", ["a@p\u0430rtner.test"], ["bob@example.test"]).Listing); // Cyrillic а
        Assert.Equal(SenderListing.None, Judge("a@xn--prtner-2gg.test", ["a@xn--prtner-2gg.test"], ["bob@example.test"]).Listing);
        Assert.Equal(SenderListing.None, Judge("a@partner.test.evil.test", ["a@partner.test.evil.test"], ["bob@example.test"]).Listing);
    }

    [Fact]
    public void A_recipients_own_lists_decide_only_when_every_recipient_agrees()
    {
        Assert.Equal(SenderListing.Safe, Judge("friend@home.test", ["friend@home.test"], ["bob@example.test", "carol@example.test"]).Listing);
        Assert.Equal(SenderListing.None, Judge("friend@home.test", ["friend@home.test"], ["bob@example.test", "dave@example.test"]).Listing);
        Assert.Equal(SenderListing.Blocked, Judge("x@y.test", ["ex@home.test"], ["bob@example.test"]).Listing);
        Assert.Equal(SenderListing.None, Judge("x@y.test", ["ex@home.test"], ["bob@example.test", "carol@example.test"]).Listing);
        var rules = new SenderListRules(Lists);
        Assert.True(rules.BlocksAtRcpt(new Sender("ex@home.test"), new Recipient("Bob@Example.test")));
        Assert.False(rules.BlocksAtRcpt(new Sender("ex@home.test"), new Recipient("carol@example.test")));
        Assert.False(rules.BlocksAtRcpt(new Sender(""), new Recipient("bob@example.test")));
    }

    [Fact]
    public void A_safe_sender_that_spf_or_dmarc_contradicts_is_not_honoured_unless_so_configured()
    {
        var spfFail = Judge("boss@corp.test", ["boss@corp.test"], ["bob@example.test"], before: e => e.Record(new AuthResult("spf", "fail")));
        Assert.Equal(SenderListing.None, spfFail.Listing);
        Assert.Equal(new Finding(SenderListRules.SafeSenderUnverified, 0, "boss@corp.test: SPF fail"), Assert.Single(spfFail.Evidence.Findings));

        Assert.Equal(SenderListing.None, Judge("boss@corp.test", ["boss@corp.test"], ["bob@example.test"], before: e => e.Add("SPF_FAIL", 3)).Listing);
        Assert.Equal(SenderListing.None, Judge("boss@corp.test", ["boss@corp.test"], ["bob@example.test"],
            before: e => e.Record(new AuthResult("dmarc", "fail"))).Listing);
        Assert.Equal(SenderListing.Safe, Judge("boss@corp.test", ["boss@corp.test"], ["bob@example.test"],
            before: e => e.Record(new AuthResult("spf", "softfail"))).Listing);
        Assert.Equal(SenderListing.Safe, Judge("boss@corp.test", ["boss@corp.test"], ["bob@example.test"], Lists with { SafeSendersNeedAuthentication = false },
            e => e.Record(new AuthResult("dmarc", "fail"))).Listing);
    }
}
