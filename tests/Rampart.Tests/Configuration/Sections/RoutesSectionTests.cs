using Rampart.Configuration;
using Rampart.Delivery.Smtp;

namespace Rampart.Tests.Configuration.Sections;

/// <summary>routes: the next hops by name (drop, smtp, mx) and the TLS policy of those that leave the machine.</summary>
public sealed class RoutesSectionTests : ConfigTest
{
    [Theory]
    [InlineData("    path: drop", "    path: drop\n    hots: mail.example.test", "hots", "routes.local.hots", "unknown key")]
    [InlineData("    path: drop", "    path: drop\n    host: mail.example.test", "host: mail", "routes.local.host", "unknown key")]
    [InlineData("    transport: drop\n    path: drop", "    path: drop", "    |path: drop", "routes.local.transport", "is required")]
    [InlineData("    transport: drop", "    transport: lmtp", "transport: |lmtp", "routes.local.transport", "'lmtp' is not one of drop, smtp, mx")]
    [InlineData("    hosts: [\"10.0.0.5:2626\"]", "    hosts: [\"10.0.0.5\"]\n    tls: strict", "tls: |strict", "routes.internal.tls", "'strict' is not one of none, opportunistic, required, verified")]
    [InlineData("    hosts: [\"10.0.0.5:2626\"]", "    hosts: [\"10.0.0.5\"]\n    tls_fingerprints: [abc]", "tls_fingerprints: |[", "routes.internal.tls_fingerprints", "'abc' is not a SHA-256 fingerprint")]
    [InlineData("    hosts: [\"10.0.0.5:2626\"]", "    hosts: [\"10.0.0.5\"]\n    tls_ca: missing.crt", "tls_ca: |missing", "routes.internal.tls_ca", "does not exist")]
    public void A_mistake_names_the_file_position_key_and_problem(string find, string replace, string at, string key, string problem) =>
        AssertMistake(find, replace, at, key, problem);

    [Fact]
    public void A_drop_route_writes_to_a_folder_named_after_it_unless_told()
    {
        var routes = Load(Valid.Replace("    path: drop\n", "", StringComparison.Ordinal)).Routes;

        Assert.Equal(new RouteOptions { Name = "local", Transport = TransportKind.Drop, Path = "local" }, routes.Single(r => r.Name == "local"));
    }

    [Fact]
    public void An_mx_route_takes_a_port_and_keeps_the_options_own_defaults()
    {
        var routes = Load(Valid.Replace("routes:\n", "routes:\n  internet: {transport: mx, port: 2500}\n  plain: {transport: mx}\n", StringComparison.Ordinal)).Routes;
        var d = new RouteOptions { Name = "plain", Transport = TransportKind.Mx };

        Assert.Equal(2500, routes.Single(r => r.Name == "internet").Port);
        var plain = routes.Single(r => r.Name == "plain");
        Assert.Equal((d.Port, d.Tls, d.MaxConnections, d.TlsCaFile, d.ClientCertificate), (plain.Port, plain.Tls, plain.MaxConnections, plain.TlsCaFile, plain.ClientCertificate));
        Assert.Empty(plain.Hosts);
    }

    [Theory]
    [InlineData("  local:\n    transport: drop", "  local:\n    transport: drop\n    tls: required", "|tls: required", "routes.local.tls", "unknown key")]
    [InlineData("    transport: smtp", "    transport: smtp\n    path: somewhere", "|path: somewhere", "routes.internal.path", "unknown key")]
    [InlineData("    transport: smtp", "    transport: smtp\n    port: 2500", "|port: 2500", "routes.internal.port", "unknown key")]
    [InlineData("    transport: smtp", "    transport: smtp\n    max_connections: 0", "max_connections: |0", "routes.internal.max_connections", "'0' is not a whole number from 1 to 1000")]
    [InlineData("    transport: smtp", "    transport: smtp\n    tls: required\n    tls_fingerprints: [\"" + Pin + "\"]", "tls: |required", "routes.internal.tls", "tls_ca and tls_fingerprints need tls: verified")]
    [InlineData("  local:\n    transport: drop\n    path: drop", "  local: drop", "local: |drop", "routes.local", "expected a section of keys")]
    public void A_route_mistake_is_named(string find, string replace, string at, string key, string problem) =>
        AssertMistake(find, replace, at, key, problem);

    private const string Pin = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";

    [Fact]
    public void A_verified_route_takes_a_ca_file_with_its_full_path()
    {
        File.WriteAllText(temp.File("ca.crt"), SelfSignedPem());

        var route = Load(Changed("    transport: smtp", "    transport: smtp\n    tls: verified\n    tls_ca: ca.crt")).Routes.Single(r => r.Name == "internal");

        Assert.Equal((TlsPolicy.Verified, temp.File("ca.crt")), (route.Tls, route.TlsCaFile));
    }

    /// <summary>A tls_ca that is no bundle stopped the start with an unhandled exception; now the file, line and key are named.</summary>
    [Theory]
    [InlineData("", "holds no PEM certificate")]
    [InlineData("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "is not a PEM certificate bundle")]
    public void A_tls_ca_without_a_certificate_names_the_file_position_and_key(string content, string problem)
    {
        File.WriteAllText(temp.File("bad-ca.crt"), content);
        AssertMistake("    transport: smtp", "    transport: smtp\n    tls: verified\n    tls_ca: bad-ca.crt", "tls_ca: |bad-ca", "routes.internal.tls_ca", problem);
    }
}
