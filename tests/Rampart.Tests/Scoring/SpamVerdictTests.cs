using Microsoft.Extensions.Time.Testing;
using Rampart.Queue.Quarantine;
using Rampart.Testing;

namespace Rampart.Tests.Scoring;

/// <summary>
/// The spam verdict over SMTP with the built-in rules only (url: off): GTUBE refused naming the check and the session,
/// the weights table overriding a symbol, tag and quarantine by SCL, and hostile headers. Rspamd's part is in
/// Rampart.EndToEnd/Spam.
/// </summary>
public sealed class SpamVerdictTests
{
    /// <summary>The gateway's clock, at the date the mails below carry.</summary>
    private static FakeTimeProvider Clock() => new(new DateTimeOffset(2026, 12, 4, 20, 0, 0, TimeSpan.Zero));

    private const string Headers = "From: Alice <alice@sender.test>\r\nTo: bob@example.test\r\nDate: Fri, 4 Dec 2026 19:00:00 +0000\r\n"
        + "Message-ID: <1.2@sender.test>\r\nSubject: Minutes\r\nContent-Type: text/plain\r\n";

    private static string Mail(string body, string headers = Headers) => $"{headers}\r\n{body}\r\n";

    private static async Task<IReadOnlyList<string>> SendAsync(TestGateway gateway, string content, string expected = "250 2.0.0",
        string from = "alice@sender.test", string to = "bob@example.test")
    {
        await using var smtp = await gateway.ConnectAsync();
        await smtp.HelloAsync();
        await smtp.EnvelopeAsync(from, to);
        return await smtp.DataAsync(content, expected);
    }

    [Fact]
    public async Task Gtube_is_refused_at_the_end_of_data_naming_the_check_and_the_session()
    {
        await using var gateway = await TestGateway.StartAsync("spam: {url: off}", clock: Clock());

        var refused = await SendAsync(gateway, Mail("spam\r\n" + Policy.Scoring.ContentRules.Gtube), "550 5.7.1");

        Assert.Matches(@"^550 5\.7\.1 Rejected as spam \(score 100\.0, SCL 9\) by GTUBE; id inbound-\S+$", refused[^1]);
        Assert.Equal(0, gateway.DropCount());
        await SendAsync(gateway, Mail("Hi Bob, the minutes."));
        await gateway.WaitForDropAsync(1);
    }

    [Fact]
    public async Task The_weights_table_overrides_a_rules_score()
    {
        await using var gateway = await TestGateway.StartAsync("spam: {url: off}", topExtra: "scoring: {weights: {GTUBE: 0.5}}", clock: Clock());

        await SendAsync(gateway, Mail(Policy.Scoring.ContentRules.Gtube));

        await gateway.WaitForDropAsync(1);
    }

    [Fact]
    public async Task Header_faults_add_up_to_a_tag_by_scl_with_flag_status_and_subject_prefix()
    {
        // No Date, no Message-ID: 1 + 1 = 2 points, SCL 2. (No From or two are refused before, by header-from.)
        await using var gateway = await TestGateway.StartAsync("spam: {url: off, tag_scl: 2, subject_prefix: \"[SPAM]\"}", clock: Clock());
        var headers = "From: a@sender.test\r\nSubject: Minutes\r\nX-Spam-Flag: NO\r\n";

        await SendAsync(gateway, Mail("Hi Bob", headers));

        var delivered = File.ReadAllText(Assert.Single(await gateway.WaitForDropAsync(1)));
        Assert.Contains("X-Spam-Flag: YES\r\nX-Spam-Status: Yes, score=2.0 required=2.0 scl=2 tests=DATE_MISSING(1),\r\n\tMID_MISSING(1)\r\n",
            delivered, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Spam-Flag: NO", delivered, StringComparison.Ordinal);
        Assert.Contains("\r\nSubject: [SPAM] Minutes\r\n\r\nHi Bob\r\n", delivered, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clean_mail_below_every_threshold_is_delivered_untouched()
    {
        await using var gateway = await TestGateway.StartAsync("spam: {url: off, tag_scl: 1}", clock: Clock());

        await SendAsync(gateway, Mail("Hi Bob, the minutes."));

        Assert.DoesNotContain("X-Spam", File.ReadAllText(Assert.Single(await gateway.WaitForDropAsync(1))), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_phish_reaching_the_quarantine_scl_is_held_under_reason_spam()
    {
        await using var gateway = await TestGateway.StartAsync("spam: {url: off, quarantine_scl: 5}", clock: Clock());
        // HTML only (1), a numeric link (2), text showing another domain (3): 6 points, SCL 5.
        var html = Headers.Replace("text/plain", "text/html; charset=utf-8")
            + "\r\n<p>Your account: <a href=\"http://192.0.2.7/login\">https://www.paypal.com/</a></p>\r\n";

        await SendAsync(gateway, html);

        var held = Assert.Single(new QuarantineStore(gateway.Gateway.Queue.Root).List()).Envelope.Quarantine!;
        Assert.Equal(["spam"], held.Filters);
        Assert.Equal("spam: score 6.0 (HTML_ONLY(1),URL_NUMERIC_IP(2),URL_TEXT_MISMATCH(3))", held.Reason);
        Assert.Equal(0, gateway.DropCount());
    }

    [Fact]
    public async Task Hostile_headers_byte_by_byte_are_judged_and_cannot_forge_a_clean_status()
    {
        await using var gateway = await TestGateway.StartAsync("spam: {url: off, tag_score: 3}", clock: Clock());
        // A folded From with a second author, a Date years ahead, a Message-ID with a space, and forged spam fields.
        var headers = "From: a@sender.test,\r\n\tb@other.test\r\nDate: Fri, 4 Dec 2099 19:00:00 +0000\r\n"
            + "Message-ID: <a b@x>\r\nX-Spam-Status: No, score=-100\r\nSubject: hi\r\n";

        await using (var smtp = await gateway.ConnectAsync(mode: SmtpTranscript.WriteMode.ByByte))
        {
            await smtp.HelloAsync();
            await smtp.EnvelopeAsync("a@sender.test", "bob@example.test");
            await smtp.DataAsync(Mail("hello", headers));
        }

        var delivered = File.ReadAllText(Assert.Single(await gateway.WaitForDropAsync(1)));
        Assert.Contains("X-Spam-Status: Yes, score=3.0 required=3.0 scl=3 tests=DATE_IN_FUTURE(2),\r\n\tMID_INVALID(1)\r\n", delivered, StringComparison.Ordinal);
        Assert.DoesNotContain("score=-100", delivered, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_part_with_a_flood_of_header_fields_stops_the_parse_and_says_so()
    {
        await using var gateway = await TestGateway.StartAsync("limits: {max_header_size: 4KiB}\nspam: {url: off, tag_score: 1}", clock: Clock());
        var flood = string.Concat(Enumerable.Range(0, 2000).Select(i => $"X-{i}: y\r\n"));
        var mime = Headers.Replace("Content-Type: text/plain\r\n", "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n")
            + $"\r\n--b\r\n{flood}Content-Type: text/plain\r\n\r\n{Policy.Scoring.ContentRules.Gtube}\r\n--b--\r\n";

        await SendAsync(gateway, mime);

        var delivered = File.ReadAllText(Assert.Single(await gateway.WaitForDropAsync(1)));
        Assert.Contains("scl=5 tests=MIME_UNPARSED(5)\r\n", delivered, StringComparison.Ordinal);
    }
}
