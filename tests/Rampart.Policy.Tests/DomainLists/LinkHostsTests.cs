using Rampart.Policy.PublicSuffixes;
using Rampart.Policy.DomainLists;
using Rampart.Policy.Names;

namespace Rampart.Policy.Tests.DomainLists;

/// <summary>Finding links' hosts as a mail client makes them clickable, and reducing them to the registered domain.</summary>
public sealed class LinkHostsTests
{
    private const string DebianList = "/usr/share/publicsuffix/public_suffix_list.dat";

    [Theory]
    [InlineData("see https://www.Evil.test/login?x=1", "www.evil.test")]
    [InlineData("HTTP://evil.test:8080/", "evil.test")]
    [InlineData("http://bank.test@evil.test/", "evil.test")]                  // the user part is not the host
    [InlineData("http://bank.test:secret@evil.test:443/path", "evil.test")]
    [InlineData(@"http:\\evil.test\path", "evil.test")]                        // browsers read \ as /
    [InlineData("http://%65vil.test/", "evil.test")]                           // browsers decode %-escapes in the host
    [InlineData("go to www.evil.test.", "www.evil.test")]                      // a sentence's full stop
    [InlineData("ftp://files.evil.test/x", "files.evil.test")]
    [InlineData("http://pаypal.test/", "xn--pypal-4ve.test")]                  // Cyrillic а: asked as its A-label
    [InlineData("http://evil。test/", "evil.test")]                            // ideographic full stop (UTS #46 maps it)
    [InlineData("http://ｅｖｉｌ.test/", "evil.test")]                           // full-width letters: UTS #46 maps them
    [InlineData("http://ev\u00ADil.test/", "evil.test")]                      // a soft hyphen is ignored, by browsers too
    [InlineData("http://EVIL.TEST./", "evil.test")]
    [InlineData("http://evil.test#frag", "evil.test")]
    [InlineData("http://evil.test?q", "evil.test")]
    public void The_host_of_a_link_in_text(string text, string host) =>
        Assert.Equal([host], LinkHosts.InText(text));

    [Theory]
    [InlineData("http://192.0.2.1/x")]                 // an address: not a domain list's business
    [InlineData("http://[2001:db8::1]/x")]
    [InlineData("http://localhost/")]                  // one label
    [InlineData("http://-evil.test/")]                 // not a host name
    [InlineData("http://evil_test.test/")]
    [InlineData("mailto:a@evil.test")]                 // not a link to a site
    [InlineData("evil.test")]                          // no scheme, no www.: not made clickable
    public void Text_that_names_no_host_gives_none(string text) =>
        Assert.Empty(LinkHosts.InText(text));

    [Fact]
    public void HTML_is_entity_decoded_before_links_are_looked_for()
    {
        var html = """<a href="&#104;ttp://evil.test/">bank</a> <a href='https://linkfarm.test/a?b=1&amp;c=2'>x</a> <img src="http://img.test/i.png">""";

        Assert.Equal(["evil.test", "linkfarm.test", "img.test"], LinkHosts.InHtml(html));
    }

    [Fact]
    public void A_huge_hostile_text_costs_linear_time()
    {
        // Long runs that almost match: a backtracking expression would take ages; the non-backtracking one does not.
        var text = string.Concat(Enumerable.Repeat("http:/" + new string('a', 3000) + " www", 300));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.Empty(LinkHosts.InText(text));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }

    [Theory]
    [InlineData("Example.TEST.", "example.test")]
    [InlineData("bücher.test", "xn--bcher-kva.test")]
    [InlineData("[192.0.2.1]", null)]
    [InlineData("192.0.2.1", null)]
    [InlineData("127.1", null)]
    [InlineData("mx", null)]
    [InlineData("a..test", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void Names_are_normalised_or_refused(string? text, string? name) =>
        Assert.Equal(name, LookupName.Normalise(text));

    [Fact]
    public void A_name_longer_than_DNS_allows_is_refused()
    {
        Assert.Null(LookupName.Normalise(string.Join('.', Enumerable.Repeat(new string('a', 63), 5))));
        Assert.Null(LookupName.Normalise(new string('a', 64) + ".test"));
    }

    [Theory]
    [InlineData("www.evil.test", "evil.test")]             // not in the list: the default rule "*"
    [InlineData("a.b.c.example.com", "example.com")]
    [InlineData("www.example.co.uk", "example.co.uk")]
    [InlineData("example.co.uk", "example.co.uk")]
    [InlineData("co.uk", null)]                             // a public suffix registers nothing
    [InlineData("com", null)]
    [InlineData("foo.bar.kawasaki.jp", "foo.bar.kawasaki.jp")]    // *.kawasaki.jp
    [InlineData("city.kawasaki.jp", "city.kawasaki.jp")]          // !city.kawasaki.jp
    [InlineData("www.city.kawasaki.jp", "city.kawasaki.jp")]
    [InlineData("xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn")] // 食狮.公司.cn: a Unicode rule, read as A-labels
    public void Hosts_reduce_to_their_registered_domain_with_Debians_list(string host, string? registered) =>
        Assert.Equal(registered, PublicSuffixList.Cached(DebianList).RegisteredDomain(host));

    [Fact]
    public void The_list_is_read_once_per_file_version()
    {
        Assert.Same(PublicSuffixList.Cached(DebianList), PublicSuffixList.Cached(DebianList));
        Assert.True(PublicSuffixList.Cached(DebianList).Count > 5000);
    }
}
