using Rampart.Policy.PublicSuffixes;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Rampart.Dns;
using Rampart.Mail;
using Rampart.Policy.DnsLists;
using Rampart.Policy.DomainLists;
using Rampart.Testing.Processes;

namespace Rampart.Policy.Tests.DomainLists;

/// <summary>The domain lists with the real DNS service and a real unbound serving them (see <see cref="DomainListZones"/>).</summary>
public sealed class DomainListFilterTests(DomainListZones unbound) : IClassFixture<DomainListZones>
{
    private readonly FakeLogger logger = new();

    private static readonly PublicSuffixList Suffixes = PublicSuffixList.Cached("/usr/share/publicsuffix/public_suffix_list.dat");

    private static ReplyPattern Reply(string text) => ReplyPattern.TryParse(text, out var p, out _) ? p : throw new ArgumentException(text);

    private static readonly DomainListSite Dbl = new("dbl.test", Reply("127.0.1.[2..99]"), 3);
    private static readonly DomainListSite Uribl = new("uribl.test", Weight: 2, Checks: DomainListChecks.Urls);
    private static readonly DomainListSite Dwl = new("dwl.test", Weight: -5, Symbol: "DWL");

    private DnsService Dns(TimeSpan? timeout = null) => new(new DnsServiceOptions
    {
        Servers = [new IPEndPoint(unbound.Address, unbound.Port)],
        // Generous: a loaded CI machine must not turn a slow answer into "not listed" (tests of timeouts pass their own).
        Timeout = timeout ?? TimeSpan.FromSeconds(10),
    }, new FakeTimeProvider());

    private DomainListFilter Filter(DomainListOptions options, IDnsResolver? dns = null, params IPNetwork[] exempt) =>
        new(options, dns ?? Dns(), Suffixes, exempt, 64 * 1024, logger);

    private static DomainListOptions Options(params DomainListSite[] sites) => new() { Sites = sites };

    private static SessionFacts Session(string helo = "mail.client.test")
    {
        var session = new SessionFacts
        {
            SessionId = "S1",
            ListenerName = "inbound",
            Role = ListenerRole.Inbound,
            RemoteEndPoint = new IPEndPoint(IPAddress.Parse("192.0.2.7"), 40000),
            LocalEndPoint = new IPEndPoint(IPAddress.Loopback, 25),
            HeloName = helo,
        };
        session.BeginTransaction();
        return session;
    }

    private static Task<Verdict> MailAsync(DomainListFilter filter, SessionFacts session, string sender) =>
        filter.OnMailFromAsync(session, new Sender(sender), default).AsTask();

    private static MessageContext Message(SessionFacts session, string body, string type = "text/plain") =>
        new(session, "Q1", new Sender("a@client.test"), [new Recipient("b@example.test")], new MemoryMessageContent(Encoding.UTF8.GetBytes(
            $"From: a@client.test\r\nTo: b@example.test\r\nSubject: links\r\nMIME-Version: 1.0\r\nContent-Type: {type}; charset=utf-8\r\n\r\n{body}\r\n")));

    [Fact]
    public async Task A_listed_sender_domain_is_a_finding_of_the_transaction_and_refused_only_with_a_threshold()
    {
        var session = Session();

        Assert.Equal(Verdict.Next, await MailAsync(Filter(Options(Dbl)), session, "bob@Evil.Test"));
        Assert.Equal([new Finding("RHSBL_DBL_TEST_SENDER", 3, "evil.test from dbl.test")], session.Transaction.Findings);
        Assert.Empty(session.Connection.Findings);
        var log = Assert.Single(logger.Collector.GetSnapshot());
        Assert.Equal((EventCatalogue.DomainListScore, LogLevel.Information), (log.Id.Id, log.Level));

        var refused = Assert.IsType<Verdict.Reject>(await MailAsync(Filter(Options(Dbl) with { Threshold = 3 }), Session(), "bob@evil.test"));
        Assert.Equal("550 5.7.1 Rejected: sender domain evil.test listed by dbl.test (see the list's lookup page); id S1", refused.Reply.ToString());
    }

    [Fact]
    public async Task The_HELO_name_is_checked_too_each_transaction_anew()
    {
        var filter = Filter(Options(Dbl with { Symbol = "DBL" }) with { Threshold = 6 });
        var session = Session(helo: "badhelo.test");

        Assert.Equal(Verdict.Next, await MailAsync(filter, session, "bob@client.test"));
        Assert.Equal([new Finding("DBL_HELO", 3, "badhelo.test from dbl.test")], session.Transaction.Findings);

        // Both listed: 3 + 3 reaches 6, and the refusal names both.
        session.BeginTransaction();
        var refused = Assert.IsType<Verdict.Reject>(await MailAsync(filter, session, "bob@spammer.test"));
        Assert.Contains("sender domain spammer.test listed by dbl.test, HELO name badhelo.test listed by dbl.test", refused.Reply.ToString());

        // A client that says EHLO again under a clean name is judged by it.
        session.HeloName = "mail.client.test";
        session.BeginTransaction();
        Assert.Equal(Verdict.Next, await MailAsync(filter, session, "bob@client.test"));
        Assert.Empty(session.Transaction.Findings);
    }

    [Fact]
    public async Task The_null_sender_an_address_literal_and_a_bare_word_are_not_looked_up()
    {
        var dns = Dns();
        var filter = Filter(Options(Dbl), dns);

        Assert.Equal(Verdict.Next, await MailAsync(filter, Session(helo: "[192.0.2.7]"), ""));
        Assert.Equal(Verdict.Next, await MailAsync(filter, Session(helo: "localhost"), ""));
        Assert.Equal(Verdict.Next, await MailAsync(filter, Session(helo: "192.0.2.7"), "bob@[192.0.2.1]"));
        Assert.Equal(0, dns.QueriesSent);
    }

    [Fact]
    public async Task An_allow_list_takes_from_the_score_and_is_recorded_negative()
    {
        var session = Session();
        var filter = Filter(Options(Dbl, Dwl) with { Threshold = 3 });

        Assert.Equal(Verdict.Next, await MailAsync(filter, session, "bob@evil.test"));

        Assert.Equal([("DWL_SENDER", -5.0), ("RHSBL_DBL_TEST_SENDER", 3.0)], session.Transaction.Findings.Select(f => (f.Symbol, f.Score)).Order());
    }

    [Fact]
    public async Task A_reply_outside_the_filter_does_not_count()
    {
        var session = Session();

        Assert.Equal(Verdict.Next, await MailAsync(Filter(Options(Dbl) with { Threshold = 1 }), session, "bob@refused.test"));
        Assert.Empty(session.Transaction.Findings);
    }

    [Fact]
    public async Task Lists_that_fail_are_logged_once_and_never_refuse()
    {
        var options = Options(new DomainListSite("dbl.servfail.test"), new DomainListSite("dbl.timeout.test"), Dbl) with { Threshold = 3 };
        // Long enough that the list that does answer never misses it on a loaded machine (as in DnsListFilterTests: 2 s was missed under the whole suite).
        var filter = Filter(options, Dns(TimeSpan.FromSeconds(5)));

        var refused = Assert.IsType<Verdict.Reject>(await MailAsync(filter, Session(helo: "badhelo.test"), "bob@evil.test"));

        // The working list still decided; each broken one logged once although asked about two names.
        Assert.Contains("dbl.test", refused.Reply.ToString());
        var failures = logger.Collector.GetSnapshot().Where(l => l.Id.Id == EventCatalogue.DomainListFailed).ToList();
        Assert.Equal(2, failures.Count);
        Assert.All(failures, l => Assert.Equal(LogLevel.Warning, l.Level));
        Assert.Equal(Verdict.Next, await MailAsync(Filter(options with { Sites = options.Sites.Take(2).ToList() }, Dns(TimeSpan.FromSeconds(1))), Session(), "bob@evil.test"));
    }

    [Fact]
    public async Task Exempt_and_authenticated_clients_are_not_looked_up()
    {
        var dns = Dns();
        var exempt = Filter(Options(Dbl) with { Threshold = 1 }, dns, IPNetwork.Parse("192.0.2.0/24"));
        Assert.Equal(Verdict.Next, await MailAsync(exempt, Session(), "bob@evil.test"));

        var session = Session();
        session.AuthenticatedUser = "bob";
        Assert.Equal(Verdict.Next, await MailAsync(Filter(Options(Dbl) with { Threshold = 1 }, dns), session, "bob@evil.test"));
        Assert.Equal(0, dns.QueriesSent);
    }

    [Fact]
    public async Task A_URL_only_list_is_not_asked_about_the_sender()
    {
        var dns = Dns();
        Assert.Equal(Verdict.Next, await MailAsync(Filter(Options(Uribl), dns), Session(), "bob@evil.test"));
        Assert.Equal(0, dns.QueriesSent);
    }

    [Fact]
    public async Task Links_in_text_and_HTML_reduce_to_registered_domains_one_finding_per_list()
    {
        var session = Session();
        var body = "--b\r\nContent-Type: text/plain\r\n\r\nhttps://www.evil.test/a and http://shop.example.co.uk/\r\n"
            + "--b\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
            + "<a href=3D\"&#104;ttp://bank.test@linkfarm.test/\">bank</a> <a href=3D\"http://p=D0=B0ypal.test/\">pay</a>\r\n"
            + "--b--";
        var message = Message(session, body, "multipart/alternative; boundary=b");

        Assert.Equal(Verdict.Next, await Filter(Options(Dbl, Uribl)).OnMessageAsync(message, default));

        Assert.Equal(
            [new Finding("RHSBL_DBL_TEST_URL", 3, "evil.test, example.co.uk, xn--pypal-4ve.test from dbl.test"),
             new Finding("RHSBL_URIBL_TEST_URL", 2, "evil.test, linkfarm.test from uribl.test")],
            session.Transaction.Findings.OrderBy(f => f.Symbol));
    }

    [Fact]
    public async Task Links_in_an_attached_message_and_in_base64_count_as_well()
    {
        var session = Session();
        var inner = "From: x@y.test\r\nContent-Type: text/plain\r\n\r\nhttp://spammer.test/\r\n";
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes("<a href='http://linkfarm.test/'>x</a>"), Base64FormattingOptions.InsertLineBreaks);
        var body = $"--b\r\nContent-Type: message/rfc822\r\n\r\n{inner}\r\n--b\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\n{encoded}\r\n--b--";

        await Filter(Options(Dbl, Uribl)).OnMessageAsync(Message(session, body, "multipart/mixed; boundary=b"), default);

        Assert.Equal(["spammer.test from dbl.test", "linkfarm.test from uribl.test"], session.Transaction.Findings.Select(f => f.Detail));
    }

    [Fact]
    public async Task A_message_whose_links_reach_the_URL_threshold_is_refused_naming_them()
    {
        var filter = Filter(Options(Dbl, Uribl) with { UrlThreshold = 5 });

        var refused = Assert.IsType<Verdict.Reject>(await filter.OnMessageAsync(Message(Session(), "http://evil.test/"), default));
        Assert.Equal("550 5.7.1 Rejected: message links to evil.test listed by dbl.test, evil.test listed by uribl.test (see the list's lookup page); id S1",
            refused.Reply.ToString());
        Assert.Equal(Verdict.Next, await filter.OnMessageAsync(Message(Session(), "http://linkfarm.test/ http://clean.test/"), default));
    }

    [Fact]
    public async Task Each_distinct_domain_is_asked_once_and_at_most_max_url_domains_of_them()
    {
        var dns = Dns();
        var links = string.Join(" ", Enumerable.Range(0, 500).Select(i => $"http://host{i % 3}.d{i}.test/ http://www.evil.test/{i}"));
        var session = Session();

        await Filter(Options(Dbl) with { MaxUrlDomains = 10 }, dns).OnMessageAsync(Message(session, links), default);

        // evil.test is the second domain seen; 10 domains, one list: 10 queries, however many links.
        Assert.Equal(10, dns.QueriesSent);
        Assert.Equal("evil.test from dbl.test", Assert.Single(session.Transaction.Findings).Detail);
    }

    [Fact]
    public async Task Text_past_max_scan_size_is_not_read()
    {
        var session = Session();
        var body = new string('x', 4000) + " http://evil.test/";

        await Filter(Options(Dbl) with { MaxScanBytes = 2048 }).OnMessageAsync(Message(session, body), default);
        Assert.Empty(session.Transaction.Findings);

        await Filter(Options(Dbl) with { MaxScanBytes = 8192 }).OnMessageAsync(Message(session, body), default);
        Assert.Single(session.Transaction.Findings);
    }

    [Fact]
    public async Task A_body_part_header_past_the_limit_stops_the_walk_logged_and_not_refused()
    {
        var session = Session();
        var fields = string.Concat(Enumerable.Range(0, 5000).Select(i => $"X-F{i}: {new string('v', 20)}\r\n"));
        var body = $"--b\r\n{fields}Content-Type: text/plain\r\n\r\nhttp://evil.test/\r\n--b--";

        var verdict = await Filter(Options(Dbl) with { UrlThreshold = 1 }).OnMessageAsync(Message(session, body, "multipart/mixed; boundary=b"), default);

        Assert.Equal(Verdict.Next, verdict);
        Assert.Contains(logger.Collector.GetSnapshot(), l => l.Id.Id == EventCatalogue.LinksNotRead);
    }

    [Fact]
    public async Task All_domains_and_lists_of_a_message_are_asked_at_once()
    {
        var options = Options(new DomainListSite("a.test"), new DomainListSite("b.test")) with { UrlThreshold = 2 };
        var message = Message(Session(), "http://one.test/ http://two.test/ http://three.test/");

        // Six queries (three domains, two lists) all waiting together; each list weighs once however many links it lists.
        var refused = Assert.IsType<Verdict.Reject>(await Filter(options, new ParallelLookupBarrier(6)).OnMessageAsync(message, default));

        Assert.Contains("three.test listed by b.test", refused.Reply.ToString());
    }
}
