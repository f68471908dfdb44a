using System.Net;
using System.Net.Sockets;
using Rampart.Configuration;
using Rampart.Mail;
using Rampart.Queue;

namespace Rampart.Tests.Gateway;

/// <summary>
/// Composing from options, with nothing started: which filters each listener runs and in what order, which listeners
/// offer AUTH and TLS, where mail is routed. The same composer builds every reload's snapshot.
/// </summary>
public sealed class GatewayComposerTests
{
    private const string Yaml = """
        hostname: mx.rampart.test
        listeners:
          inbound:
            role: inbound
            address: 127.0.0.1
            port: {inbound_port}
            accepted_domains: [example.test, other.test]
            starttls: false
            {inbound_extra}
          submission:
            role: outbound
            address: 127.0.0.1
            port: 0
            relay_networks: [127.0.0.0/8]
            auth: {}
        routes:
          local: {transport: drop, path: drop}
          internal: {transport: smtp, hosts: ["127.0.0.1:2525"]}
        routing:
          - domains: [example.test]
            route: local
          - domains: ["*"]
            route: internal
        {top_extra}
        """;

    private static Composition Compose(string inboundExtra = "", string topExtra = "", Action<Testing.TempDirectory>? write = null, int inboundPort = 0) =>
        Composition.Of(Yaml.Replace("{inbound_extra}", inboundExtra).Replace("{top_extra}", topExtra).Replace("{inbound_port}", inboundPort.ToString()), write);

    [Fact]
    public async Task An_inbound_listener_refuses_outsiders_claiming_its_domains_and_offers_no_AUTH()
    {
        await using var composition = Compose();
        await using var snapshot = composition.Composer.Compose(composition.Options);

        Assert.Equal(["ip_access_list", "sender", "relay", "header-from", "header_hygiene"], Composition.FilterNames(snapshot, "inbound"));
        var session = snapshot.Listeners["inbound"].Options;
        Assert.Empty(session.AuthMechanisms);
        Assert.Null(session.Certificate);
        Assert.Equal("mx.rampart.test", session.HostName);
        Assert.Equal(ListenerRole.Inbound, session.Role);
    }

    [Fact]
    public async Task A_listener_with_AUTH_checks_the_sender_it_may_use_at_MAIL_and_in_the_header_From()
    {
        await using var composition = Compose();
        await using var snapshot = composition.Composer.Compose(composition.Options);

        Assert.Equal(["ip_access_list", "sender", "send-as", "relay", "send-as-header"], Composition.FilterNames(snapshot, "submission"));
        var session = snapshot.Listeners["submission"].Options;
        Assert.NotEmpty(session.AuthMechanisms);
        // STARTTLS with no certificate configured: the self-signed one made in the data folder.
        Assert.NotNull(session.Certificate);
        Assert.True(File.Exists(Path.Combine(composition.DataDir, "tls", "selfsigned.crt")));
    }

    [Fact]
    public async Task Recipient_validation_comes_right_after_the_relay_filter()
    {
        await using var composition = Compose(
            "recipients: {file: users.txt, callout: {route: internal}}",
            write: temp => File.WriteAllText(temp.File("users.txt"), "bob@example.test\n"));
        await using var snapshot = composition.Composer.Compose(composition.Options);

        Assert.Equal(["ip_access_list", "sender", "relay", "recipients", "header-from", "header_hygiene"], Composition.FilterNames(snapshot, "inbound"));
    }

    [Fact]
    public async Task Rates_are_counted_before_any_decision_and_content_filters_come_last_cheapest_first()
    {
        await using var composition = Compose(
            "rate_limits: {messages_per_minute: 10}\n    attachments: {block: [executable]}\n    antivirus: {scanners: [av]}",
            "scanners:\n  av: {type: clamd, address: \"127.0.0.1:3310\"}");
        await using var snapshot = composition.Composer.Compose(composition.Options);

        Assert.Equal(["ip_access_list", "rate_limits", "sender", "relay", "header-from", "header_hygiene", "attachments", "antivirus"],
            Composition.FilterNames(snapshot, "inbound"));
        // Only the inbound listener asked for them.
        Assert.Equal(["ip_access_list", "sender", "send-as", "relay", "send-as-header"], Composition.FilterNames(snapshot, "submission"));
    }

    [Fact]
    public async Task Mail_is_routed_by_the_routing_table_in_order()
    {
        await using var composition = Compose();
        await using var snapshot = composition.Composer.Compose(composition.Options);

        Assert.Equal("local", snapshot.Router.RouteFor(Envelope(), new Recipient("bob@example.test"))?.Name);
        Assert.Equal("internal", snapshot.Router.RouteFor(Envelope(), new Recipient("carol@elsewhere.test"))?.Name);
    }

    [Fact]
    public async Task Composing_opens_no_socket_so_a_busy_port_is_only_found_at_start()
    {
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        var port = ((IPEndPoint)busy.LocalEndpoint).Port;
        await using var composition = Compose(inboundPort: port);

        await using var snapshot = composition.Composer.Compose(composition.Options);

        Assert.Equal(port, composition.Options.Listeners[0].EndPoint.Port);
        Assert.Equal(2, snapshot.Listeners.Count);
    }

    [Fact]
    public async Task A_certificate_that_cannot_be_loaded_is_a_configuration_error()
    {
        await using var composition = Compose();
        var cert = Path.Combine(composition.DataDir, "broken.crt");
        File.WriteAllText(cert, "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n");
        var broken = composition.Options with
        {
            Listeners = [.. composition.Options.Listeners.Select(l => l.Name == "submission" ? l with { Tls = new TlsOptions(cert, cert) } : l)],
        };

        var ex = Assert.Throws<ConfigException>(() => composition.Composer.Compose(broken));
        Assert.Contains("cannot be loaded", ex.Message);
    }

    [Fact]
    public async Task Each_compose_makes_a_new_snapshot_from_the_options_it_is_given()
    {
        await using var composition = Compose();
        await using var first = composition.Composer.Compose(composition.Options);
        var moved = composition.Options with
        {
            Routing = [.. composition.Options.Routing.Select(r => r with { Route = "internal" })],
        };
        await using var second = composition.Composer.Compose(moved);

        Assert.NotSame(first.Listeners["inbound"].Handler, second.Listeners["inbound"].Handler);
        Assert.Equal("local", first.Router.RouteFor(Envelope(), new Recipient("bob@example.test"))?.Name);
        Assert.Equal("internal", second.Router.RouteFor(Envelope(), new Recipient("bob@example.test"))?.Name);
    }

    private static QueuedEnvelope Envelope() => new()
    {
        QueueId = "test",
        Listener = "inbound",
        Role = ListenerRole.Inbound,
        ClientAddress = "192.0.2.1",
        Sender = new Sender("alice@sender.test"),
        Recipients = [],
        ReceivedAt = DateTimeOffset.UnixEpoch,
    };
}
