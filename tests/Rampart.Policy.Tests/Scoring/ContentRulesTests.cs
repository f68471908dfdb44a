using System.Diagnostics;
using System.Text;
using MimeKit;
using Rampart.Mail;
using Rampart.Policy.Scoring;

namespace Rampart.Policy.Tests.Scoring;

/// <summary>GTUBE, HTML-only and the URL heuristics, with the attacker's variants (dword IPs, look-alike Unicode, floods).</summary>
public sealed class ContentRulesTests
{
    private static async Task<Evidence> CheckAsync(string mime)
    {
        var message = await MimeMessage.LoadAsync(new MemoryStream(Encoding.UTF8.GetBytes(mime)));
        var evidence = new Evidence();
        await ContentRules.CheckAsync(message, evidence, default);
        return evidence;
    }

    private static string Text(string body) => $"From: a@x.test\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n";

    private static string Html(string body) => $"From: a@x.test\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body>{body}</body></html>\r\n";

    private static string Symbols(Evidence e) => string.Join(',', e.Findings.Select(f => f.Symbol));

    [Fact]
    public async Task Gtube_is_found_in_plain_text_and_inside_base64_but_not_when_broken()
    {
        Assert.Equal("GTUBE", Symbols(await CheckAsync(Text("spam\r\n" + ContentRules.Gtube))));
        var encoded = Convert.ToBase64String(Encoding.ASCII.GetBytes("hello " + ContentRules.Gtube), Base64FormattingOptions.InsertLineBreaks);
        Assert.Equal("GTUBE", Symbols(await CheckAsync($"From: a@x.test\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n{encoded}\r\n")));
        Assert.Equal("", Symbols(await CheckAsync(Text(ContentRules.Gtube.Replace("GTUBE", "GTUBX")))));
    }

    /// <summary>A charset no decoder knows must not hide the test string: the part is read as UTF-8, as the link lists read it.</summary>
    [Fact]
    public async Task Gtube_is_found_in_a_part_whose_charset_nobody_knows()
    {
        var mime = $"From: a@x.test\r\nContent-Type: text/plain; charset=x-made-up-9\r\n\r\n\u00e9t\u00e9 {ContentRules.Gtube}\r\n";
        Assert.Equal("GTUBE", Symbols(await CheckAsync(mime)));
    }

    /// <summary>Past the read budget of a part the rest is not read: a flood of filler cannot make every message cost megabytes.</summary>
    [Fact]
    public async Task Gtube_past_the_bytes_read_of_a_part_is_not_seen()
    {
        var filler = string.Concat(Enumerable.Repeat(new string('x', 998) + "\r\n", ContentRules.MaxPartBytes / 1000 + 1));
        Assert.Equal("", Symbols(await CheckAsync(Text(filler + ContentRules.Gtube))));
        Assert.Equal("GTUBE", Symbols(await CheckAsync(Text(ContentRules.Gtube + "\r\n" + filler))));
    }

    [Fact]
    public async Task Html_without_a_plain_text_part_is_html_only()
    {
        Assert.Equal("HTML_ONLY", Symbols(await CheckAsync(Html("<p>hi</p>"))));
        var alternative = "From: a@x.test\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
            + "--b\r\nContent-Type: text/html\r\n\r\n<p>hi</p>\r\n--b--\r\n";
        Assert.Equal("", Symbols(await CheckAsync(alternative)));
    }

    [Theory]
    [InlineData("http://192.0.2.7/login")]
    [InlineData("https://[2001:db8::1]/x")]
    [InlineData("http://3221225991/")] // 192.0.2.7 as one number: still an address
    [InlineData("http://0xC0.0.2.7/")]
    [InlineData(@"http:\\192.0.2.7\login")] // what browsers open as http://, and the URL lists find (review13 D2)
    public async Task Links_to_numeric_addresses_are_found_in_text_and_html(string url)
    {
        Assert.Contains("URL_NUMERIC_IP", Symbols(await CheckAsync(Text($"see {url} now"))));
        Assert.Contains("URL_NUMERIC_IP", Symbols(await CheckAsync(Html($"<a href=\"{url}\">here</a>") + "")));
    }

    [Theory]
    [InlineData("https://evil.test/paypal", "www.paypal.com", true)]
    [InlineData("https://paypal.com.evil.test/", "https://paypal.com/", true)]
    [InlineData("https://xn--pypal-4ve.com/", "paypal.com", true)]        // the link's real name is the look-alike
    [InlineData("https://paypal.com/", "p&#1072;ypal.com", true)]          // the text shows Cyrillic а: another domain
    [InlineData("https://www.paypal.com/signin", "paypal.com", false)]
    [InlineData("https://paypal.com/", "www.paypal.com/signin", false)]
    [InlineData("https://xn--pypal-4ve.com/", "p&#1072;ypal.com", false)] // shown as it is: honest, if odd
    [InlineData("https://evil.test/", "Click here", false)]
    [InlineData("https://evil.test/", "version 1.2", false)]
    [InlineData(@"http:\\evil.test\", "paypal.com", true)]                 // the same links the URL lists see (review13 D2)
    [InlineData("https://paypal.com@evil.test/", "paypal.com", true)]
    [InlineData("https://\uFF45\uFF56\uFF49\uFF4C.test/", "evil.test", false)]  // full-width, folded as the lists fold it
    [InlineData("https://pay\u00ADpal.com/", "paypal.com", false)]             // an invisible soft hyphen dropped
    public async Task Link_text_that_shows_another_domain_is_a_mismatch(string href, string text, bool mismatch)
    {
        var evidence = await CheckAsync(Html($"<a href=\"{href}\">{text}</a>") + "");
        Assert.Equal(mismatch, evidence.Has("URL_TEXT_MISMATCH"));
    }

    [Fact]
    public async Task A_flood_of_links_and_a_huge_part_cost_bounded_time()
    {
        var links = string.Concat(Enumerable.Range(0, 50_000).Select(i => $"<a href=\"https://a{i}.test/\">b{i}.test</a>\n"));
        var watch = Stopwatch.StartNew();
        var evidence = await CheckAsync(Html(links) + "");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.Equal(1, evidence.Findings.Count(f => f.Symbol == "URL_TEXT_MISMATCH")); // once, not 50,000 times
    }
}
