using Rampart.Configuration;
using Rampart.Policy.Recipients;

namespace Rampart.Tests.Configuration.Sections;

/// <summary>recipients.ldap: the directory, the bind account with its password in a file, the filter and the caches.</summary>
public sealed class LdapSectionTests : ConfigTest
{
    [Theory]
    [InlineData("    port: 2525", "    port: 2525\n    recipients: {ldap: {url: http://dc1, base_dn: dc=x}}", "url: |http", "listeners.inbound.recipients.ldap.url", "'http://dc1' is not ldap://host[:port] or ldaps://host[:port]")]
    [InlineData("    port: 2525", "    port: 2525\n    recipients: {ldap: {url: ldap://dc1}}", "ldap: |{url", "listeners.inbound.recipients.ldap.base_dn", "is required")]
    [InlineData("    port: 2525", "    port: 2525\n    recipients: {ldap: {url: ldap://dc1, base_dn: dc=x, bind_dn: cn=gw}}", "bind_dn: |cn=gw", "listeners.inbound.recipients.ldap.bind_dn", "needs password_file")]
    [InlineData("    port: 2525", "    port: 2525\n    recipients: {ldap: {url: ldap://dc1, base_dn: dc=x, bind_dn: cn=gw, password_file: none.secret}}", "password_file: |none", "listeners.inbound.recipients.ldap.password_file", "cannot read")]
    [InlineData("    port: 2525", "    port: 2525\n    recipients: {ldap: {url: ldap://dc1, base_dn: dc=x, filter: \"(mail=bob)\"}}", "filter: |\"(mail", "listeners.inbound.recipients.ldap.filter", "with %s where the address goes")]
    public void A_mistake_names_the_file_position_key_and_problem(string find, string replace, string at, string key, string problem) =>
        AssertMistake(find, replace, at, key, problem);

    [Fact]
    public void An_anonymous_directory_keeps_the_settings_own_defaults()
    {
        var ldap = Inbound("    port: 2525", "    port: 2525\n    recipients: {ldap: {url: ldap://dc1.example.test, base_dn: dc=x}}").Recipients!.Ldap!;
        var d = new LdapOptions(new LdapSettings { Url = new Uri("ldap://dc1.example.test"), BaseDn = "dc=x" });

        Assert.Equal(d.Settings, ldap.Settings);
        Assert.Equal((d.CacheTtl, d.NegativeCacheTtl), (ldap.CacheTtl, ldap.NegativeCacheTtl));
    }

    [Fact]
    public void Only_the_first_line_of_the_password_file_is_the_password()
    {
        File.WriteAllText(temp.File("ldap.secret"), "pass word\nsecond line\n");

        var ldap = Inbound("    port: 2525",
            "    port: 2525\n    recipients: {ldap: {url: ldap://dc1, base_dn: dc=x, bind_dn: cn=gw, password_file: ldap.secret, filter: \"(mail=%s)\", timeout: 2s}}").Recipients!.Ldap!;

        Assert.Equal(("pass word", "(mail=%s)", TimeSpan.FromSeconds(2)), (ldap.Settings.Password, ldap.Settings.Filter, ldap.Settings.Timeout));
    }

    [Fact]
    public void A_password_file_needs_a_bind_dn()
    {
        File.WriteAllText(temp.File("ldap.secret"), "s3cret\n");

        AssertMistake("    port: 2525", "    port: 2525\n    recipients: {ldap: {url: ldap://dc1, base_dn: dc=x, password_file: ldap.secret}}",
            "password_file: |ldap", "listeners.inbound.recipients.ldap.password_file", "needs bind_dn");
    }

    [Fact]
    public void The_cache_times_are_checked() =>
        AssertMistake("    port: 2525", "    port: 2525\n    recipients: {ldap: {url: ldap://dc1, base_dn: dc=x, negative_cache_ttl: 2d}}",
            "negative_cache_ttl: |2d", "listeners.inbound.recipients.ldap.negative_cache_ttl", "'2d' is not a duration from 0ms to 1d");
}
