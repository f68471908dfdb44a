using Rampart.Mail;
using Rampart.Policy.Scoring;

namespace Rampart.Policy.Tests.Scoring;

/// <summary>Safe and blocked senders, global and per recipient, and the forgeries a safe-sender list invites.</summary>
public sealed class SenderListRulesTests
{
    /// <summary>The lists alone (authentication has its own tests below).</summary>
    private static readonly ScoringOptions Lists = new()
    {
        SafeSendersNeedAuthentication = false,
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

    private static readonly ScoringOptions Guarded = Lists with { SafeSendersNeedAuthentication = true };

    private static SenderListing Guard(string from, params AuthResult[] results) =>
        Judge("bounce@esp.test", [from], ["bob@example.test"], Guarded, e => { foreach (var r in results) e.Record(r); }).Listing;

    private static AuthResult Result(string method, string result, string key, string value) => new(method, result, null, [new(key, value)]);

    [Fact]
    public void A_safe_sender_is_believed_only_with_a_positive_authentication_of_its_from_domain()
    {
        // Nothing contradicts these, and nothing proves them: a forger's usual case (no DMARC record, softfail).
        Assert.Equal(SenderListing.None, Guard("boss@corp.test"));
        Assert.Equal(SenderListing.None, Guard("boss@corp.test", Result("spf", "softfail", "smtp.mailfrom", "boss@corp.test"),
            new AuthResult("dkim", "none"), Result("dmarc", "none", "header.from", "corp.test")));
        Assert.Equal(SenderListing.None, Guard("boss@corp.test", Result("spf", "neutral", "smtp.mailfrom", "boss@corp.test")));
        Assert.Equal(SenderListing.None, Guard("boss@corp.test", Result("dmarc", "permerror", "header.from", "corp.test")));
        Assert.Equal(SenderListing.None, Guard("boss@corp.test", Result("dmarc", "temperror", "header.from", "corp.test")));
        // A pass for someone else's domain proves nothing about this one.
        Assert.Equal(SenderListing.None, Guard("boss@corp.test", Result("spf", "pass", "smtp.mailfrom", "bounce@esp.test")));
        Assert.Equal(SenderListing.None, Guard("boss@corp.test", Result("dkim", "pass", "header.d", "esp.test")));
        Assert.Equal(SenderListing.None, Guard("boss@corp.test", Result("dmarc", "pass", "header.from", "esp.test")));
        Assert.Equal(SenderListing.None, Guard("boss@corp.test", Result("dkim", "fail", "header.d", "corp.test")));

        // Proved: DMARC pass for the From domain, or an aligned DKIM or SPF pass (relaxed: the same organisation).
        Assert.Equal(SenderListing.Safe, Guard("boss@corp.test", Result("dmarc", "pass", "header.from", "corp.test")));
        Assert.Equal(SenderListing.Safe, Guard("boss@corp.test", Result("dkim", "pass", "header.d", "mail.CORP.test")));
        Assert.Equal(SenderListing.Safe, Guard("boss@corp.test", Result("spf", "pass", "smtp.mailfrom", "bounce@mx.corp.test")));
        Assert.Equal(SenderListing.Safe, Guard("news@partner.test", Result("dkim", "pass", "header.d", "partner.test")));
        Assert.Equal(SenderListing.None, Guard("news@partner.test", Result("dkim", "pass", "header.d", "partner.test.evil.test")));
    }

    [Fact]
    public void An_unverified_safe_sender_is_recorded_with_what_the_checks_said()
    {
        var (listing, evidence) = Judge("boss@corp.test", ["boss@corp.test"], ["bob@example.test"], Guarded,
            e => e.Record(Result("spf", "fail", "smtp.mailfrom", "boss@corp.test")));
        Assert.Equal(SenderListing.None, listing);
        Assert.Equal(new Finding(SenderListRules.SafeSenderUnverified, 0, "boss@corp.test: spf=fail dkim=not checked dmarc=not checked"),
            Assert.Single(evidence.Findings));
        // Every author must be proved: a second author of another domain does not ride on the first one's DKIM pass.
        Assert.Equal(SenderListing.None, Judge("a@partner.test", ["a@partner.test", "boss@corp.test"], ["bob@example.test"], Guarded,
            e => e.Record(Result("dkim", "pass", "header.d", "partner.test"))).Listing);
        Assert.Equal(SenderListing.Safe, Judge("boss@corp.test", ["boss@corp.test"], ["bob@example.test"], Lists,
            e => e.Record(Result("dmarc", "fail", "header.from", "corp.test"))).Listing);
    }

    [Fact]
    public async Task A_recipients_block_at_rcpt_has_its_own_symbol_and_names_the_session()
    {
        var session = new SessionFacts
        {
            SessionId = "inbound-S7",
            ListenerName = "inbound",
            Role = ListenerRole.Inbound,
            RemoteEndPoint = new System.Net.IPEndPoint(System.Net.IPAddress.Parse("192.0.2.10"), 40000),
            LocalEndPoint = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 25),
        };
        session.BeginTransaction();

        var verdict = await new RecipientBlockFilter(new SenderListRules(Lists))
            .OnRcptToAsync(session, new Sender("ex@home.test"), new Recipient("bob@example.test"), CancellationToken.None);

        var reply = Assert.IsType<Verdict.Reject>(verdict).Reply;
        Assert.Equal("Rejected: this recipient does not accept mail from this sender; id inbound-S7", reply.Text);
        // The others' copy carries no BLOCKED_SENDER, which a weights: override would score.
        Assert.Equal(new Finding(SenderListRules.RecipientBlockedSender, 0, "ex@home.test by bob@example.test"), Assert.Single(session.Transaction.Findings));
        Assert.False(session.Transaction.Has(SenderListRules.BlockedSender));
    }
}
