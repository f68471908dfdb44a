using Rampart.Delivery.TlsPolicies.MtaSts;

namespace Rampart.Delivery.Tests.TlsPolicies.MtaSts;

/// <summary>RFC 8461 §3.2 policies, §3.1 TXT records and §4.1 MX matching, with hostile input refused by name.</summary>
public class MtaStsPolicyParserTests
{
    private const string Good = "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmax_age: 604800\r\n";

    [Fact]
    public void A_policy_is_read_with_its_patterns_and_max_age()
    {
        var policy = MtaStsPolicyParser.Parse(Good, out var error);
        Assert.Null(error);
        Assert.Equal(MtaStsMode.Enforce, policy!.Mode);
        Assert.Equal(["mail.example.com", "*.example.net"], policy.Mx);
        Assert.Equal(TimeSpan.FromDays(7), policy.MaxAge);
    }

    [Theory]
    [InlineData("version: STSv1\nmode: testing\nmx: mx.example.test\nmax_age: 86400", MtaStsMode.Testing)]
    [InlineData("version:STSv1\nmode:none\nmax_age:0\n", MtaStsMode.None)]
    [InlineData("Version: STSv1\nMODE: Enforce\nmx: MX.Example.Test\nmax_age: 31557600\nextension_1: some-value\n", MtaStsMode.Enforce)]
    [InlineData("version: STSv1\t\nmode:\tenforce\nmx: mx.example.test.\nmax_age: 1\n", MtaStsMode.Enforce)]
    public void Lf_line_ends_spacing_case_and_unknown_fields_are_accepted(string text, MtaStsMode mode) =>
        Assert.Equal(mode, MtaStsPolicyParser.Parse(text, out _)!.Mode);

    [Theory]
    [InlineData("mode: enforce\nmx: mx.example.test\nmax_age: 86400\n", "version is missing")]
    [InlineData("version: STSv2\nmode: enforce\nmx: mx.example.test\nmax_age: 86400\n", "is not STSv1")]
    [InlineData("version: STSv1\nmode: strict\nmx: mx.example.test\nmax_age: 86400\n", "is not enforce, testing or none")]
    [InlineData("version: STSv1\nmode: enforce\nmode: none\nmx: mx.example.test\nmax_age: 86400\n", "mode appears twice")]
    [InlineData("version: STSv1\nversion: STSv1\nmode: enforce\nmx: mx.example.test\nmax_age: 86400\n", "version appears twice")]
    [InlineData("version: STSv1\nmode: enforce\nmx: mx.example.test\nmax_age: 86400\nmax_age: 1\n", "max_age appears twice")]
    [InlineData("version: STSv1\nmode: enforce\nmx: mx.example.test\n", "max_age is missing")]
    [InlineData("version: STSv1\nmode: enforce\nmx: mx.example.test\nmax_age: 99999999999\n", "not a number")]
    [InlineData("version: STSv1\nmode: enforce\nmx: mx.example.test\nmax_age: 31557601\n", "over 31557600")]
    [InlineData("version: STSv1\nmode: enforce\nmx: mx.example.test\nmax_age: -1\n", "not a number")]
    [InlineData("version: STSv1\nmode: enforce\nmx: mx.example.test\nmax_age: +86400\n", "not a number")]
    [InlineData("version: STSv1\nmode: enforce\nmx: mx.example.test\nmax_age: 1e6\n", "not a number")]
    [InlineData("version: STSv1\nmode: enforce\nmax_age: 86400\n", "no mx pattern")]
    [InlineData("version: STSv1\nmode: enforce\nmx: *.*.example\nmax_age: 86400\n", "is not a host name")]
    [InlineData("version: STSv1\nmode: enforce\nmx: *example.com\nmax_age: 86400\n", "is not a host name")]
    [InlineData("version: STSv1\nmode: enforce\nmx: mx.*.example.com\nmax_age: 86400\n", "is not a host name")]
    [InlineData("version: STSv1\nmode: enforce\nmx: *.com\nmax_age: 86400\n", "is not a host name")]
    [InlineData("version: STSv1\nmode: enforce\nmx: *\nmax_age: 86400\n", "is not a host name")]
    [InlineData("version: STSv1\nmode: enforce\nmx: mx.example.com mx2.example.com\nmax_age: 86400\n", "is not a host name")]
    [InlineData("version: STSv1\nmode: enforce\nmx: mx_1.example.com\nmax_age: 86400\n", "is not a host name")]
    [InlineData("version: STSv1\nmode: enforce\nmx: -mx.example.com\nmax_age: 86400\n", "is not a host name")]
    [InlineData("version: STSv1\nmode: enforce\nmx: mx.exаmple.com\nmax_age: 86400\n", "non-ASCII")]
    [InlineData("version: STSv1\nmode: enforce\nmx: mx.example.com\0.evil.test\nmax_age: 86400\n", "control")]
    [InlineData("version: STSv1\rmode: enforce\nmx: mx.example.com\nmax_age: 86400\n", "control")]
    [InlineData("version: STSv1\nmode: enforce\r\r\nmx: mx.example.com\nmax_age: 86400\n", "control")]
    [InlineData("version: STSv1\n\nmode: enforce\nmx: mx.example.com\nmax_age: 86400\n", "is empty")]
    [InlineData("version: STSv1\nmode: enforce\n mx: mx.example.com\nmax_age: 86400\n", "not a field name")]
    [InlineData("version: STSv1\nmode: enforce\nmx mx.example.com\nmax_age: 86400\n", "not \"key: value\"")]
    [InlineData("version: STSv1\nmode: enforce\nmx:\nmax_age: 86400\n", "has no value")]
    [InlineData("<html><body>version: STSv1</body></html>", "not a field name")]
    [InlineData("", "version is missing")]
    public void Hostile_or_broken_policies_are_refused_with_the_reason(string text, string reason)
    {
        Assert.Null(MtaStsPolicyParser.Parse(text, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mail.example.com", true)]
    [InlineData("MAIL.Example.COM.", true)]
    [InlineData("mx1.example.net", true)]
    [InlineData("a.b.example.net", false)]   // §4.1: the wildcard is one label
    [InlineData("example.net", false)]
    [InlineData("mail.example.com.evil.test", false)]
    [InlineData("evilexample.net", false)]
    [InlineData("xmail.example.com", false)]
    public void Mx_hosts_match_exactly_or_by_one_leftmost_label(string host, bool matches) =>
        Assert.Equal(matches, MtaStsPolicyParser.Parse(Good, out _)!.Matches(host));

    [Theory]
    [InlineData(new[] { "v=STSv1; id=20160831085700Z;" }, "20160831085700Z", null)]
    [InlineData(new[] { "v=STSv1;id=abc" }, "abc", null)]
    [InlineData(new[] { "v=spf1 -all", "v=STSv1; id=1; ext=x" }, "1", null)]
    [InlineData(new[] { "v=spf1 -all" }, null, "no v=STSv1 record")]
    [InlineData(new[] { "v=STSv1; id=1", "v=STSv1; id=2" }, null, "2 v=STSv1 records")]
    [InlineData(new[] { "v=STSv1; id=1; id=2" }, null, "id appears twice")]
    [InlineData(new[] { "v=STSv1; id=" }, null, "is not 1-32 letters and digits")]
    [InlineData(new[] { "v=STSv1; id=ab-cd" }, null, "is not 1-32 letters and digits")]
    [InlineData(new[] { "v=STSv1; id=123456789012345678901234567890123" }, null, "is not 1-32 letters and digits")]
    [InlineData(new[] { "v=STSv1; id=a\0b" }, null, "is not 1-32 letters and digits")]
    [InlineData(new[] { "v=STSv1" }, null, "no id")]
    [InlineData(new[] { "v=STSv10; id=1" }, null, "no v=STSv1 record")]                  // another version, not a candidate
    [InlineData(new[] { "v=STSv10; id=9", "v=STSv1; id=1" }, "1", null)]                // ... so not a second record either
    [InlineData(new[] { "v=STSv1x; id=1" }, null, "no v=STSv1 record")]
    [InlineData(new[] { "V=STSv1; id=1" }, null, "no v=STSv1 record")]                  // %s"v=STSv1": case-sensitive
    [InlineData(new[] { "v=STSv1 ; id=1" }, null, "no v=STSv1 record")]
    [InlineData(new[] { "v=STSv1;; id=1" }, null, "an empty field")]
    public void The_txt_record_gives_one_id_or_a_reason(string[] texts, string? id, string? reason)
    {
        Assert.Equal(id, MtaStsRecord.Id(texts, out var error));
        if (reason is null) Assert.Null(error);
        else Assert.Contains(reason, error, StringComparison.Ordinal);
    }
}
