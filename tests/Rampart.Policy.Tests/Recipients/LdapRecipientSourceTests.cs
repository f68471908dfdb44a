using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
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

    [Fact]
    public async Task A_directory_that_accepts_and_never_answers_is_unavailable_within_the_timeout()
    {
        // A hung server (not a stopped one, which refuses at once): the RCPT must not wait longer than the timeout.
        using var hung = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        hung.Start();
        var time = new FakeTimeProvider();
        var logger = new FakeLogger();
        var url = new Uri($"ldap://127.0.0.1:{((System.Net.IPEndPoint)hung.LocalEndpoint).Port}");
        var source = new LdapRecipientSource(new LdapSettings
        {
            Url = url,
            BaseDn = SlapdServer.BaseDn,
            Timeout = TimeSpan.FromMilliseconds(500),
        }, logger, time);

        // The library's own timeouts run on the real clock (and do not bound a bind); ours, three times the
        // timeout over the whole lookup, is moved on here instead of waited for.
        var lookup = source.LookupAsync("bob@example.test", default).AsTask();
        time.Advance(TimeSpan.FromMilliseconds(1500));

        Assert.Equal(RecipientLookup.Unavailable, await lookup.WaitAsync(TimeSpan.FromSeconds(5)));
        var log = Assert.Single(logger.Collector.GetSnapshot());
        Assert.Equal((4121, $"LDAP {url}: lookup of bob@example.test got no answer within 00:00:01.5000000"), (log.Id.Id, log.Message));
    }

    [Theory]
    [InlineData("bob@example.test", "bob@example.test")]
    [InlineData("a*b(c)\\d@x.test", "a\\2ab\\28c\\29\\5cd@x.test")]
    public void Filter_values_are_escaped(string value, string expected) => Assert.Equal(expected, LdapRecipientSource.Escape(value));
}
