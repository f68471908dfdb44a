using Rampart.Policy.Senders;

namespace Rampart.Policy.Tests.Senders;

public class SenderPatternsTests
{
    private static readonly SenderPatterns Patterns = new(["spammer@foreign.test", "bad.test", "@worse.test", ".evil.test"]);

    [Theory]
    [InlineData("spammer@foreign.test", true)]
    [InlineData("SPAMMER@Foreign.Test", true)]
    [InlineData("friend@foreign.test", false)]
    [InlineData("a@bad.test", true)]
    [InlineData("a@sub.bad.test", false)]
    [InlineData("a@worse.test", true)]
    [InlineData("a@mx.evil.test", true)]
    [InlineData("a@evil.test", false)]
    [InlineData("a@notevil.test", false)]
    [InlineData("", false)]
    public void Addresses_domains_and_subdomains_match_as_written(string address, bool blocked) =>
        Assert.Equal(blocked, Patterns.Matches(address));
}
