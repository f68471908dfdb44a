using System.Net;
using Rampart.Policy.DnsLists;

namespace Rampart.Policy.Tests.DnsLists;

public sealed class ReplyPatternTests
{
    [Theory]
    [InlineData("127.0.0.[2..11]", "127.0.0.2", true)]
    [InlineData("127.0.0.[2..11]", "127.0.0.11", true)]
    [InlineData("127.0.0.[2..11]", "127.0.0.12", false)]
    [InlineData("127.0.0.[2..11]", "127.255.255.254", false)]
    [InlineData("127.0.0.[2..11]", "127.0.0.1", false)]
    [InlineData("127.0.0.2", "127.0.0.2", true)]
    [InlineData("127.0.0.2", "127.0.0.3", false)]
    [InlineData("127.0.[0..255].[2;4;6..8]", "127.0.10.7", true)]
    [InlineData("127.0.[0..255].[2;4;6..8]", "127.0.10.5", false)]
    [InlineData("127.0.0.[2..11]", "::1", false)]
    public void Matches_as_postscreen_does(string pattern, string reply, bool matches)
    {
        Assert.True(ReplyPattern.TryParse(pattern, out var p, out _));
        Assert.Equal(matches, p.Matches(IPAddress.Parse(reply)));
    }

    [Theory]
    [InlineData("127.0.0")]
    [InlineData("127.0.0.0.1")]
    [InlineData("127.0.0.256")]
    [InlineData("127.0.0.02")]
    [InlineData("127.0.0.[11..2]")]
    [InlineData("127.0.0.[]")]
    [InlineData("127.0.0.[2..]")]
    [InlineData("127.0.0.[2..3..4]")]
    [InlineData("127.0.0.-1")]
    [InlineData("127.0.0.*")]
    public void Refuses_what_is_not_a_pattern(string pattern)
    {
        Assert.False(ReplyPattern.TryParse(pattern, out _, out var error));
        Assert.Contains(pattern, error);
    }
}
