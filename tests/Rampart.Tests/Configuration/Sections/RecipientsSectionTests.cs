using Rampart.Configuration;

namespace Rampart.Tests.Configuration.Sections;

/// <summary>An inbound listener's recipients: its sources (file, LDAP, callout) and the tarpit.</summary>
public sealed class RecipientsSectionTests : ConfigTest
{
    [Theory]
    [InlineData("    port: 2525", "    port: 2525\n    recipients: {file: missing.txt}", "file: |missing", "listeners.inbound.recipients.file", "does not exist")]
    [InlineData("    port: 2525", "    port: 2525\n    recipients: {tarpit_after: 3}", "recipients: |{", "listeners.inbound.recipients", "needs at least one source")]
    [InlineData("    port: 2525", "    port: 2525\n    recipients: {callout: {route: internal}, tarpit_delay: 2 s}", "tarpit_delay: |2 s", "listeners.inbound.recipients.tarpit_delay", "'2 s' is not a duration")]
    public void A_mistake_names_the_file_position_key_and_problem(string find, string replace, string at, string key, string problem) =>
        AssertMistake(find, replace, at, key, problem);

    [Fact]
    public void Accepted_domains_take_plain_names_and_sections_and_recipients_take_sources()
    {
        File.WriteAllText(temp.File("recipients.txt"), "bob@example.test\n");
        File.WriteAllText(temp.File("ldap.secret"), "s3cret\n");
        var yaml = Valid.Replace("    accepted_domains: [example.test]", """
                accepted_domains:
                  - example.test
                  - {domain: corp.test, subdomains: true}
                  - {domain: partner.test, type: internal_relay}
                recipients:
                  file: recipients.txt
                  ldap: {url: "ldaps://dc1.example.test:3269", base_dn: "dc=example,dc=test", bind_dn: "cn=gw,dc=example,dc=test", password_file: ldap.secret, cache_ttl: 5m}
                  callout: {route: internal, positive_ttl: 2h, negative_ttl: 30s, timeout: 5s}
                  tarpit_after: 5
                  tarpit_delay: 500ms
            """.TrimEnd(), StringComparison.Ordinal);
        var inbound = Load(yaml).Listeners.Single(l => l.Name == "inbound");

        Assert.Equal(new Rampart.Policy.Relay.AcceptedDomain[]
        {
            new("example.test"),
            new("corp.test", Subdomains: true),
            new("partner.test", Rampart.Policy.Relay.DomainType.InternalRelay),
        }, inbound.AcceptedDomains);
        var r = inbound.Recipients!;
        Assert.Equal(temp.File("recipients.txt"), r.File);
        Assert.Equal(new CalloutOptions { Route = "internal", PositiveTtl = TimeSpan.FromHours(2), NegativeTtl = TimeSpan.FromSeconds(30), Timeout = TimeSpan.FromSeconds(5) }, r.Callout);
        Assert.Equal((5, TimeSpan.FromMilliseconds(500)), (r.TarpitAfter, r.TarpitDelay));
        var ldap = r.Ldap!;
        Assert.Equal(("ldaps://dc1.example.test:3269/", "cn=gw,dc=example,dc=test", "s3cret"), (ldap.Settings.Url.ToString(), ldap.Settings.BindDn, ldap.Settings.Password));
        Assert.Equal(Rampart.Policy.Recipients.LdapSettings.DefaultFilter, ldap.Settings.Filter);
        Assert.Equal((TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(1)), (ldap.CacheTtl, ldap.NegativeCacheTtl));
    }

    [Fact]
    public void One_source_is_enough_and_the_tarpit_keeps_its_defaults()
    {
        File.WriteAllText(temp.File("recipients.txt"), "bob@example.test\n");

        var r = Inbound("    port: 2525", "    port: 2525\n    recipients: {file: recipients.txt}").Recipients!;

        Assert.Equal(new RecipientOptions { File = temp.File("recipients.txt") }, r);
    }

    [Fact]
    public void Without_recipients_every_local_part_is_accepted() =>
        Assert.Null(Load(Valid).Listeners.Single(l => l.Name == "inbound").Recipients);
}
