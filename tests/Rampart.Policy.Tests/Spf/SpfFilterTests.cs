using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Rampart.Mail;
using Rampart.Policy.Spf;

namespace Rampart.Policy.Tests.Spf;

/// <summary>The MAIL FROM check: each result's verdict and reply, and its log lines (4230–4232).</summary>
public sealed class SpfFilterTests
{
    private static readonly ScriptedResolver Zone = new ScriptedResolver()
        .Add("pass.test", "TXT", "v=spf1 ip4:192.0.2.0/24 -all")
        .Add("fail.test", "TXT", "v=spf1 -all")
        .Add("explained.test", "TXT", "v=spf1 -all exp=why.explained.test")
        .Add("why.explained.test", "TXT", "%{i} may not send for %{d}")
        .Add("crlf.test", "TXT", "v=spf1 -all exp=why.crlf.test")
        .Add("why.crlf.test", "TXT", "see\r\n250 ok")
        .Add("soft.test", "TXT", "v=spf1 ~all")
        .Add("broken.test", "TXT", "v=spf1 bogus -all")
        .Add("down.test", ScriptedResolver.Timeout, "")
        .Add("mail.pass.test", "TXT", "v=spf1 a -all")
        .Add("mail.pass.test", "A", "192.0.2.25");

    private static SessionFacts Session(string client = "192.0.2.25", string? user = null) => new()
    {
        SessionId = "S1",
        ListenerName = "inbound",
        Role = ListenerRole.Inbound,
        RemoteEndPoint = new IPEndPoint(IPAddress.Parse(client), 40000),
        LocalEndPoint = new IPEndPoint(IPAddress.Parse("198.51.100.1"), 25),
        HeloName = "mail.pass.test",
        AuthenticatedUser = user,
    };

    private static async Task<(Verdict Verdict, IReadOnlyList<FakeLogRecord> Log)> MailAsync(
        string from, SpfCheckOptions? options = null, SessionFacts? session = null)
    {
        var logger = new FakeLogger();
        logger.ControlLevel(LogLevel.Debug, true);
        var filter = new SpfFilter(new SpfEvaluator(Zone, new FakeTimeProvider()), options ?? new SpfCheckOptions(), "mx.example.test", logger);
        var verdict = await filter.OnMailFromAsync(session ?? Session(), new Sender(from), CancellationToken.None);
        return (verdict, logger.Collector.GetSnapshot());
    }

    [Theory]
    [InlineData("a@pass.test")]
    [InlineData("a@soft.test")]
    [InlineData("a@broken.test")]
    [InlineData("a@nospf.test")]
    [InlineData("")]
    public async Task Results_other_than_fail_go_on(string from)
    {
        var (verdict, log) = await MailAsync(from);
        Assert.Same(Verdict.Next, verdict);
        Assert.Equal(EventCatalogue.SpfChecked, Assert.Single(log).Id.Id);
    }

    [Fact]
    public async Task A_fail_is_refused_with_5_7_23_and_logged()
    {
        var (verdict, log) = await MailAsync("a@fail.test");
        var reject = Assert.IsType<Verdict.Reject>(verdict);
        Assert.Equal(550, reject.Reply.Code);
        Assert.Equal("5.7.23", reject.Reply.Status!.ToString());
        Assert.Equal("SPF validation failed: fail.test does not designate this host as a sender; id S1", Assert.Single(reject.Reply.Lines));
        Assert.Equal([EventCatalogue.SpfChecked, EventCatalogue.SpfRefused], log.Select(l => l.Id.Id));
        Assert.Equal("Session S1: SPF fail for fail.test from 192.0.2.25 (matched -all)", log[0].Message);
    }

    [Fact]
    public async Task The_domains_explanation_is_shown_and_one_with_control_characters_is_not()
    {
        var reject = Assert.IsType<Verdict.Reject>((await MailAsync("a@explained.test")).Verdict);
        Assert.Equal("SPF validation failed for explained.test: 192.0.2.25 may not send for explained.test; id S1", Assert.Single(reject.Reply.Lines));
        // Not an explanation-string (RFC 7208 §6.2): ignored, so no CR LF can reach the reply.
        reject = Assert.IsType<Verdict.Reject>((await MailAsync("a@crlf.test")).Verdict);
        Assert.Equal("SPF validation failed: crlf.test does not designate this host as a sender; id S1", Assert.Single(reject.Reply.Lines));
    }

    [Fact]
    public async Task A_fail_is_only_logged_when_the_listener_says_none()
    {
        var (verdict, log) = await MailAsync("a@fail.test", new SpfCheckOptions(RejectFail: false));
        Assert.Same(Verdict.Next, verdict);
        Assert.Equal(EventCatalogue.SpfChecked, Assert.Single(log).Id.Id);
    }

    [Fact]
    public async Task A_dns_failure_is_logged_and_goes_on_unless_deferral_is_asked()
    {
        var (verdict, log) = await MailAsync("a@down.test");
        Assert.Same(Verdict.Next, verdict);
        Assert.Equal([EventCatalogue.SpfChecked, EventCatalogue.SpfDnsError], log.Select(l => l.Id.Id));
        Assert.Equal(LogLevel.Warning, log[1].Level);

        var deferred = Assert.IsType<Verdict.TempFail>((await MailAsync("a@down.test", new SpfCheckOptions(DeferTempError: true))).Verdict);
        Assert.Equal((451, "4.7.24"), (deferred.Reply.Code, deferred.Reply.Status!.ToString()));
    }

    [Fact]
    public async Task A_broken_record_is_refused_with_5_7_24_only_when_asked()
    {
        var reject = Assert.IsType<Verdict.Reject>((await MailAsync("a@broken.test", new SpfCheckOptions(RejectPermError: true))).Verdict);
        Assert.Equal((550, "5.7.24"), (reject.Reply.Code, reject.Reply.Status!.ToString()));
    }

    [Fact]
    public async Task An_authenticated_client_is_not_checked()
    {
        var (verdict, log) = await MailAsync("a@fail.test", session: Session(user: "alice"));
        Assert.Same(Verdict.Next, verdict);
        Assert.Empty(log);
    }

    [Fact]
    public async Task Received_spf_field_quotes_what_came_from_outside()
    {
        var request = new SpfRequest(IPAddress.Parse("192.0.2.25"), "a\"b@fail.test", "mail.pass.test");
        var outcome = await new SpfEvaluator(Zone, new FakeTimeProvider()).CheckAsync(request, CancellationToken.None);
        Assert.Equal(
            "Received-SPF: fail (mx.example.test: matched -all) client-ip=192.0.2.25; envelope-from=\"a\\\"b@fail.test\"; " +
            "helo=\"mail.pass.test\"; receiver=mx.example.test; identity=mailfrom;",
            SpfReceivedField.Format(outcome, request, "mx.example.test"));
    }

    [Theory]
    [InlineData("a@pass.test", "pass", "SPF_PASS")]
    [InlineData("a@fail.test", "fail", "SPF_FAIL")]
    [InlineData("a@soft.test", "softfail", "SPF_SOFTFAIL")]
    [InlineData("a@down.test", "temperror", "SPF_TEMPERROR")]
    [InlineData("a@nowhere.test", "none", "SPF_NONE")]
    public async Task Every_result_is_recorded_for_the_message_stage_with_the_mail_from_identity(string from, string result, string symbol)
    {
        var session = Session();

        await MailAsync(from, session: session);

        Assert.Equal(new AuthResult("spf", result, null, [new("smtp.mailfrom", from)]), session.Transaction.ResultOf("spf"), AuthResultComparer.Instance);
        Assert.Equal(symbol, Assert.Single(session.Transaction.Findings).Symbol);
    }

    [Fact]
    public async Task A_bounce_is_recorded_with_the_HELO_identity()
    {
        var session = Session();

        await MailAsync("", session: session);

        var recorded = session.Transaction.ResultOf("spf")!;
        Assert.Equal(("pass", "smtp.helo", "mail.pass.test"), (recorded.Result, recorded.Properties![0].Key, recorded.Properties[0].Value));
    }

    /// <summary>Records with list properties compare by reference; this compares their contents.</summary>
    private sealed class AuthResultComparer : IEqualityComparer<AuthResult?>
    {
        public static readonly AuthResultComparer Instance = new();

        public bool Equals(AuthResult? x, AuthResult? y) =>
            x is not null && y is not null && (x.Method, x.Result, x.Reason) == (y.Method, y.Result, y.Reason)
            && (x.Properties ?? []).SequenceEqual(y.Properties ?? []);

        public int GetHashCode(AuthResult? obj) => obj?.Method.GetHashCode(StringComparison.Ordinal) ?? 0;
    }
}
