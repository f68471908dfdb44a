using Microsoft.Extensions.Logging.Abstractions;
using Rampart.Policy.Recipients;
using Rampart.Testing.Processes;

namespace Rampart.Policy.Tests.Recipients;

/// <summary>Lookups against a real OpenLDAP slapd with test entries; stopping it gives Unavailable, never Unknown.</summary>
public sealed class LdapRecipientSourceTests
{
    private static LdapRecipientSource Source(SlapdServer slapd, string password = SlapdServer.BindPassword) => new(new LdapSettings
    {
        Url = new Uri(slapd.Url),
        BaseDn = SlapdServer.BaseDn,
        BindDn = SlapdServer.BindDn,
        Password = password,
        Timeout = TimeSpan.FromSeconds(3),
    }, NullLogger.Instance);

    [Fact]
    public async Task Mail_and_proxy_addresses_are_found_and_an_outage_is_unavailable()
    {
        await using var slapd = await SlapdServer.StartAsync();
        var source = Source(slapd);

        Assert.Equal(RecipientLookup.Known, await source.LookupAsync("bob@example.test", default));
        Assert.Equal(RecipientLookup.Known, await source.LookupAsync("carol@EXAMPLE.test", default));
        Assert.Equal(RecipientLookup.Known, await source.LookupAsync("dave@example.test", default));   // SMTP:, the primary
        Assert.Equal(RecipientLookup.Known, await source.LookupAsync("alias@example.test", default));  // smtp:, an alias
        Assert.Equal(RecipientLookup.Unknown, await source.LookupAsync("mallory@example.test", default));
        Assert.Equal(RecipientLookup.Unknown, await source.LookupAsync("*@example.test", default));    // escaped, not a wildcard
        Assert.Equal(RecipientLookup.Unknown, await source.LookupAsync("x)(mail=*@example.test", default));

        Assert.Equal(RecipientLookup.Unavailable, await Source(slapd, "wrong").LookupAsync("bob@example.test", default));

        await slapd.StopAsync();
        Assert.Equal(RecipientLookup.Unavailable, await source.LookupAsync("bob@example.test", default));
        Assert.Equal(RecipientLookup.Unavailable, await source.LookupAsync("mallory@example.test", default));

        await slapd.RestartAsync();
        Assert.Equal(RecipientLookup.Known, await source.LookupAsync("bob@example.test", default));
    }

    [Theory]
    [InlineData("bob@example.test", "bob@example.test")]
    [InlineData("a*b(c)\\d@x.test", "a\\2ab\\28c\\29\\5cd@x.test")]
    public void Filter_values_are_escaped(string value, string expected) => Assert.Equal(expected, LdapRecipientSource.Escape(value));
}
