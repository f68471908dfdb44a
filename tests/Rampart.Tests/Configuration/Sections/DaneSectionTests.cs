using System.Net;
using Rampart.Configuration;
using Rampart.Delivery.Smtp;
using Rampart.Delivery.TlsPolicies.Dane;

namespace Rampart.Tests.Configuration.Sections;

/// <summary>dane: the validating resolver, and tls: dane / dane-only on an mx route (RFC 7672, postfix's levels).</summary>
public sealed class DaneSectionTests : ConfigTest
{
    private const string Routes = "routes:\n";
    private const string DaneRoute = "routes:\n  internet:\n    transport: mx\n    tls: dane\n";

    [Theory]
    [InlineData(Routes, DaneRoute, "tls: |dane", "routes.internet.tls", "dane needs dane.resolver: the validating resolver")]
    [InlineData(Routes, "dane: {resolver: \"127.0.0.1:8053\"}\nroutes:\n  internet:\n    transport: smtp\n    hosts: [\"10.0.0.7\"]\n    tls: dane-only\n",
        "tls: |dane-only", "routes.internet.tls", "dane needs transport: mx")]
    [InlineData(Routes, "dane: {resolver: \"localhost:53\"}\n" + DaneRoute, "resolver: |\"localhost", "dane.resolver", "is not an IP address with an optional port")]
    [InlineData(Routes, "dane: {resolver: \"127.0.0.01\"}\n" + DaneRoute, "resolver: |\"127", "dane.resolver", "not a strictly written IP address")]
    [InlineData(Routes, "dane: {resolver: \"127.0.0.1\", timeout: 0s}\n" + DaneRoute, "timeout: |0s", "dane.timeout", "")]
    [InlineData(Routes, "dane: {resolver: \"127.0.0.1\", resolvers: x}\n" + DaneRoute, "|resolvers", "dane.resolvers", "unknown key")]
    [InlineData(Routes, "dane: {resolver: \"127.0.0.1\"}\nroutes:\n  internet:\n    transport: mx\n    tls: DANE-ONLY\n    tls_fingerprints: [\"" + Pin + "\"]\n",
        "tls: |DANE", "routes.internet.tls", "tls_ca and tls_fingerprints need tls: verified")]
    public void A_mistake_names_the_file_position_key_and_problem(string find, string replace, string at, string key, string problem) =>
        AssertMistake(find, replace, at, key, problem);

    private const string Pin = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";

    [Fact]
    public void A_dane_route_names_its_mode_and_the_resolver_its_address_port_and_timeout()
    {
        var options = Load(Changed(Routes, "dane:\n  resolver: \"127.0.0.1:8053\"\n  timeout: 2s\n" + DaneRoute + "  strict:\n    transport: mx\n    tls: dane-only\n"));

        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 8053), options.Dane.Resolver);
        Assert.Equal(TimeSpan.FromSeconds(2), options.Dane.Timeout);
        Assert.Equal((TlsPolicy.Opportunistic, DaneMode.Opportunistic), options.Routes.Single(r => r.Name == "internet") is var r ? (r.Tls, r.Dane) : default);
        Assert.Equal(DaneMode.Mandatory, options.Routes.Single(r => r.Name == "strict").Dane);
        Assert.Null(options.Routes.Single(r => r.Name == "internal").Dane);
        Assert.Empty(options.Warnings);
    }

    [Fact]
    public void The_resolver_port_defaults_to_53_and_a_resolver_off_loopback_is_a_warning()
    {
        var options = Load(Changed(Routes, "dane: {resolver: \"192.0.2.53\"}\n" + DaneRoute));

        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.53"), 53), options.Dane.Resolver);
        Assert.Contains(options.Warnings, w => w.Contains("dane.resolver", StringComparison.Ordinal) && w.Contains("not loopback", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_the_section_no_resolver_is_named()
    {
        var options = Load(Valid);

        Assert.Equal(new DaneOptions().Timeout, options.Dane.Timeout);
        Assert.Null(options.Dane.Resolver);
    }
}
