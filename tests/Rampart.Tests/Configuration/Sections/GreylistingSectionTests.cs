using System.Net;
using Rampart.Policy.Greylisting;

namespace Rampart.Tests.Configuration.Sections;

/// <summary>A listener's greylisting: present turns it on (empty: the defaults), each key checked with its place.</summary>
public sealed class GreylistingSectionTests : ConfigTest
{
    private const string Port = "    port: 2525";

    [Theory]
    [InlineData("greylisting: {delay: 2h}", "delay: |2h", "listeners.inbound.greylisting.delay", "is not a duration from 1s to 1h")]
    [InlineData("greylisting: {delay: 10m, retry_window: 5m}", "retry_window: |5m", "listeners.inbound.greylisting.retry_window", "must be longer than the delay")]
    [InlineData("greylisting: {auto_allow_after: -1}", "auto_allow_after: |-1", "listeners.inbound.greylisting.auto_allow_after", "is not a whole number from 0")]
    [InlineData("greylisting: {allow: [10.0.0.0/33]}", "allow: |[10.0.0.0/33]", "listeners.inbound.greylisting.allow", "10.0.0.0/33")]
    [InlineData("greylisting: {whitelist: [10.0.0.0/8]}", "|whitelist", "listeners.inbound.greylisting.whitelist", "unknown key")]
    [InlineData("greylisting: yes", "greylisting: |yes", "listeners.inbound.greylisting", "expected a section of keys")]
    public void A_mistake_names_the_file_position_key_and_problem(string greylisting, string at, string key, string problem) =>
        AssertMistake(Port, Port + "\n    " + greylisting, at, key, problem);

    [Fact]
    public void Absent_is_off_and_empty_is_on_with_the_defaults()
    {
        Assert.Null(Inbound(Port, Port).Greylisting);
        Assert.Equal(new GreylistOptions(), Inbound(Port, Port + "\n    greylisting: {}").Greylisting! with { Allow = [] });
    }

    [Fact]
    public void Every_key_is_read()
    {
        var options = Inbound(Port, Port + """

                greylisting:
                  delay: 90s
                  retry_window: 12h
                  passed_lifetime: 60d
                  auto_allow_after: 3
                  auto_allow_lifetime: 7d
                  allow: [192.0.2.0/24, "2001:db8::/32"]
            """).Greylisting!;

        Assert.Equal((TimeSpan.FromSeconds(90), TimeSpan.FromHours(12), TimeSpan.FromDays(60), 3, TimeSpan.FromDays(7)),
            (options.Delay, options.RetryWindow, options.PassedLifetime, options.AutoAllowAfter, options.AutoAllowLifetime));
        Assert.Equal([IPNetwork.Parse("192.0.2.0/24"), IPNetwork.Parse("2001:db8::/32")], options.Allow);
    }
}
