using System.Diagnostics;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.Tests.DomainLists;

/// <summary>
/// domain_lists over SMTP: a whole gateway whose dns: is a real unbound serving the lists (<see cref="DomainListZones"/>):
/// sender and HELO domains refused at MAIL, listed links at the end of DATA, broken lists losing nothing.
/// </summary>
public sealed class DomainListSmtpTests(DomainListZones unbound) : IClassFixture<DomainListZones>
{
    private const string Sites = """[{zone: dbl.test, reply: "127.0.1.[2..99]", weight: 3}, {zone: uribl.test, check: urls, weight: 2}, {zone: dwl.test, check: [sender, helo], weight: -5}]""";

    private Task<TestGateway> StartAsync(string sites = Sites, string extra = "") =>
        TestGateway.StartAsync(
            inboundExtra: $"domain_lists:\n  threshold: 3\n  url_threshold: 3\n  sites: {sites}{extra}",
            topExtra: $"dns: {{server: 127.0.0.1, port: {unbound.Port}, timeout: 2s}}");

    private static string Message(string body) =>
        $"From: a@foreign.test\r\nTo: b@example.test\r\nSubject: links\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{body}\r\n";

    [Fact]
    public async Task A_listed_sender_domain_is_refused_at_MAIL_and_a_clean_one_sends_mail()
    {
        await using var gateway = await StartAsync();
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync("mail.foreign.test");

        var reply = await c.CommandAsync("MAIL FROM:<bob@Spammer.test>", "550 5.7.1 Rejected: sender domain spammer.test listed by dbl.test (see the list's lookup page); id ");
        Assert.Single(reply);

        // An allow list outweighs: evil.test is listed by dbl.test (3) and by the allow list dwl.test (-5).
        await c.EnvelopeAsync("a@evil.test", "b@example.test");
        await c.DataAsync(Message("<p>hello</p>"));
        await c.EnvelopeAsync("a@clean.test", "b@example.test");
        await c.DataAsync(Message("<p>hello</p>"));
        Assert.Equal(2, (await gateway.WaitForDropAsync(2)).Length);
    }

    [Fact]
    public async Task A_listed_HELO_name_is_refused_at_MAIL()
    {
        await using var gateway = await StartAsync();
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync("badhelo.test");

        await c.CommandAsync("MAIL FROM:<a@foreign.test>", "550 5.7.1 Rejected: HELO name badhelo.test listed by dbl.test");
    }

    [Fact]
    public async Task A_look_alike_Unicode_sender_domain_is_asked_by_its_A_label()
    {
        await using var gateway = await StartAsync();
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync("mail.foreign.test");

        await c.CommandAsync("MAIL FROM:<bob@pаypal.test> SMTPUTF8", "550 5.7.1 Rejected: sender domain xn--pypal-4ve.test listed by dbl.test");
    }

    [Fact]
    public async Task A_message_linking_to_listed_domains_is_refused_at_the_end_of_DATA_and_nothing_is_delivered()
    {
        await using var gateway = await StartAsync();
        await using var c = await gateway.ConnectAsync(mode: SmtpTranscript.WriteMode.ByLine);
        await c.HelloAsync("mail.foreign.test");

        await c.EnvelopeAsync("a@foreign.test", "b@example.test");
        await c.DataAsync(Message("""<a href="&#104;ttps://www.linkfarm.test/x">win</a> <a href="http://bank.test@shop.evil.test/">bank</a>"""),
            "550 5.7.1 Rejected: message links to linkfarm.test listed by uribl.test, evil.test listed by dbl.test, evil.test listed by uribl.test (see the list's lookup page); id ");

        await c.EnvelopeAsync("a@foreign.test", "b@example.test");
        await c.DataAsync(Message("""<a href="https://clean.test/">fine</a> http://www.linkfarm.test/ alone weighs 2"""));
        var delivered = Assert.Single(await gateway.WaitForDropAsync(1));
        Assert.Contains("alone weighs 2", File.ReadAllText(delivered));
    }

    [Fact]
    public async Task Thousands_of_links_cost_a_bounded_number_of_lookups_and_the_message_goes_through()
    {
        await using var gateway = await StartAsync(extra: "\n  max_url_domains: 20");
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync("mail.foreign.test");
        var links = string.Join("\r\n", Enumerable.Range(0, 20_000).Select(i => $"<a href=\"http://h{i}.random{i}.test/\">x</a>"));

        var watch = Stopwatch.StartNew();
        await c.EnvelopeAsync("a@foreign.test", "b@example.test");
        await c.DataAsync(Message(links + "\r\nhttp://evil.test/ comes too late to be looked up"));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}"); // generous: the suite shares the cores
        Assert.Single(await gateway.WaitForDropAsync(1));
    }

    [Fact]
    public async Task Lists_that_fail_or_time_out_are_no_refusal_and_lose_nothing()
    {
        await using var gateway = await StartAsync("[{zone: dbl.servfail.test, weight: 3}, {zone: dbl.timeout.test, weight: 3}]");
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync("badhelo.test");

        await c.EnvelopeAsync("a@evil.test", "b@example.test");
        await c.DataAsync(Message("http://evil.test/"));
        Assert.Single(await gateway.WaitForDropAsync(1));
    }

    [Fact]
    public async Task Links_hidden_behind_a_flood_of_part_header_fields_are_weighed_as_unparsed_and_the_message_tagged()
    {
        // The built-in rules off: domain_lists alone meets the unreadable part, and its finding alone reaches the tag level.
        await using var gateway = await StartAsync(extra: "\nlimits: {max_header_size: 4KiB}\nspam: {url: off, rules: no}");
        var flood = string.Concat(Enumerable.Range(0, 2000).Select(i => $"X-{i}: y\r\n"));
        var mime = "From: a@foreign.test\r\nTo: b@example.test\r\nSubject: links\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
            + $"--b\r\n{flood}Content-Type: text/html\r\n\r\n<a href=\"http://listed.test/\">x</a>\r\n--b--\r\n";

        await using (var c = await gateway.ConnectAsync())
        {
            await c.HelloAsync("mail.foreign.test");
            await c.EnvelopeAsync("a@foreign.test", "b@example.test");
            await c.DataAsync(mime);
        }

        var delivered = File.ReadAllText(Assert.Single(await gateway.WaitForDropAsync(1)));
        Assert.Contains("X-Spam-Flag: YES\r\n", delivered, StringComparison.Ordinal);
        Assert.Contains("tests=MIME_UNPARSED(5)\r\n", delivered, StringComparison.Ordinal);
    }
}
