using Rampart.Policy.PublicSuffixes;

namespace Rampart.Policy.Tests.PublicSuffixes;

/// <summary>The shipped list and RFC 7489 §3.2's organisational domain, with the list's own rule kinds.</summary>
public sealed class PublicSuffixListTests
{
    [Theory]
    [InlineData("example.com", "example.com")]
    [InlineData("mail.example.com", "example.com")]
    [InlineData("a.b.example.co.uk", "example.co.uk")]
    [InlineData("co.uk", "co.uk")] // a public suffix is its own organisational domain
    [InlineData("mail.sub.example.test", "example.test")] // an unlisted TLD: the implicit rule "*"
    [InlineData("www.foo.bar.ck", "foo.bar.ck")] // wildcard "*.ck"
    [InlineData("www.ck", "www.ck")] // exception "!www.ck"
    [InlineData("a.city.kawasaki.jp", "city.kawasaki.jp")] // exception under wildcard "*.kawasaki.jp"
    [InlineData("user.github.io", "user.github.io")] // the private section counts: github.io is a suffix
    [InlineData("Mail.Example.COM.", "example.com")]
    [InlineData("xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn")] // 食狮.公司.cn: 公司.cn is a suffix
    public void The_organisational_domain_is_the_public_suffix_and_one_label(string domain, string expected) =>
        Assert.Equal(expected, PublicSuffixList.Default.OrganisationalDomain(domain));

    [Fact]
    public void The_shipped_list_is_embedded_whole() => Assert.True(PublicSuffixList.Default.Count > 9000);
}
