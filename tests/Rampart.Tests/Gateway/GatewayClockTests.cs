using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Rampart.Gateway;
using Rampart.Delivery.Smtp;
using Rampart.Mail;
using Rampart.Policy.Antivirus;
using Rampart.Policy.Recipients;
using Rampart.Queue;
using Rampart.Testing;

namespace Rampart.Tests.Gateway;

/// <summary>
/// The gateway's clock (the <see cref="TimeProvider"/> given to <c>Gateway</c>) reaches what composing makes that reads
/// the time or waits: the self-signed certificate's dates, the snapshot's scanners and the verdicts kept across reloads.
/// Each is observed on a fake clock, where the system's would give a different answer.
/// </summary>
public sealed class GatewayClockTests
{
    private static readonly DateTimeOffset Then = new(2031, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static string Yaml(string topExtra = "", string inboundExtra = "", int smtpPort = 2525) => $"""
        hostname: mx.rampart.test
        listeners:
          inbound:
            role: inbound
            address: 127.0.0.1
            port: 0
            accepted_domains: [example.test]
            starttls: true
            {inboundExtra}
        routes:
          local: {"{"}transport: drop, path: drop{"}"}
          internal: {"{"}transport: smtp, hosts: ["127.0.0.1:{smtpPort}"]{"}"}
        routing:
          - domains: [example.test]
            route: local
          - domains: ["*"]
            route: internal
        {topExtra}
        """;

    [Fact]
    public async Task The_self_signed_certificate_is_dated_by_the_gateway_clock()
    {
        var clock = new FakeTimeProvider(Then);
        await using var composition = Composition.Of(Yaml(), clock: clock);
        await using var snapshot = composition.Composer.Compose(composition.Options);

        var certificate = snapshot.Listeners["inbound"].Options.Certificate!.Leaf;

        // A day before now, for clients' clock skew (TlsCertificates): now is the gateway's, years from the system's.
        Assert.Equal(Then.AddDays(-1).UtcDateTime, certificate.NotBefore.ToUniversalTime());
        Assert.Equal(Then.AddYears(10).UtcDateTime, certificate.NotAfter.ToUniversalTime());
    }

    [Fact]
    public async Task The_snapshot_scanners_time_out_on_the_gateway_clock()
    {
        // A clamd that takes the connection (the listen backlog does) and never answers.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var clock = new WatchedClock();
        await using var composition = Composition.Of(
            Yaml($"scanners:\n  av: {{type: clamd, address: \"127.0.0.1:{port}\"}}", "antivirus: {scanners: [av]}"), clock: clock);
        await using var snapshot = composition.Composer.Compose(composition.Options);
        var options = Assert.Single(composition.Options.Scanners);

        // The scanner the listener's antivirus filter was given (one per name and snapshot).
        var scanning = snapshot.Scanner(options).ScanAsync(new MemoryStream("Subject: x\r\n\r\nx\r\n"u8.ToArray()), CancellationToken.None).AsTask();
        await clock.TimerStartedAsync(options.ScanTimeout);
        Assert.False(scanning.IsCompleted);
        clock.Advance(options.ScanTimeout + TimeSpan.FromSeconds(1));

        var result = Assert.IsType<ScanResult.Failed>(await scanning.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("clamd did not answer within 60 s", result.Why);
    }

    [Fact]
    public async Task Verdicts_kept_across_reloads_expire_on_the_gateway_clock()
    {
        var clock = new FakeTimeProvider(Then);
        await using var composition = Composition.Of(Yaml(), clock: clock);
        var verdicts = composition.Lasting.Verdicts();
        var ttl = new AntivirusOptions().CacheTtl;
        verdicts.Put("av", "27000", "abc", new ScanResult.Clean());

        clock.Advance(ttl - TimeSpan.FromMinutes(1));
        Assert.IsType<ScanResult.Clean>(verdicts.Get("av", "27000", "abc"));
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Null(verdicts.Get("av", "27000", "abc"));
    }

    [Fact]
    public async Task An_smtp_route_waits_for_its_next_hop_on_the_gateway_clock()
    {
        // A next hop that takes the connection and never greets.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var clock = new WatchedClock();
        await using var composition = Composition.Of(Yaml(smtpPort: port), clock: clock);
        await using var snapshot = composition.Composer.Compose(composition.Options);
        var envelope = new QueuedEnvelope
        {
            QueueId = "test",
            Listener = "inbound",
            Role = ListenerRole.Inbound,
            ClientAddress = "192.0.2.1",
            Sender = new Sender("alice@sender.test"),
            Recipients = [],
            ReceivedAt = DateTimeOffset.UnixEpoch,
        };
        var route = Assert.IsType<SmtpRoute>(snapshot.Router.RouteFor(envelope, new Recipient("carol@elsewhere.test")));

        var connecting = SmtpClientConnection.ConnectAsync((IPEndPoint)silent.LocalEndpoint, "silent.test", route.Client, CancellationToken.None);
        await clock.TimerStartedAsync(route.Client.GreetingTimeout);
        Assert.False(connecting.IsCompleted);
        clock.Advance(route.Client.GreetingTimeout);

        var refused = await Assert.ThrowsAsync<SmtpClientException>(() => connecting.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("4.4.1", refused.Reply.Status.ToString());
    }

    [Fact]
    public async Task The_rescans_scanners_ask_on_the_gateway_clock()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var clock = new WatchedClock();
        await using var composition = Composition.Of(
            Yaml($"scanners:\n  av: {{type: clamd, address: \"127.0.0.1:{port}\"}}\nquarantine: {{rescan_check: 1m}}"), clock: clock);
        var scanner = Assert.Single(composition.Options.Scanners);
        await using var rescans = new RescanSchedule(composition.Core.Queue, NullLoggerFactory.Instance, clock);
        rescans.Start(composition.Options);

        await clock.TimerStartedAsync(TimeSpan.FromMinutes(1));
        clock.Advance(TimeSpan.FromMinutes(1));
        // The check asks the scanner its signature version, bounded by twice its connect timeout on the scanner's clock.
        await clock.TimerStartedAsync(scanner.ConnectTimeout + scanner.ConnectTimeout);
    }

    [Fact]
    public async Task The_directory_is_waited_for_on_the_gateway_clock()
    {
        // A directory that takes the connection and never answers the bind.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var clock = new WatchedClock();
        await using var composition = Composition.Of(
            Yaml(inboundExtra: $"recipients: {{ldap: {{url: \"ldap://127.0.0.1:{port}\", base_dn: \"dc=example,dc=test\", timeout: 2s}}}}"), clock: clock);
        await using var snapshot = composition.Composer.Compose(composition.Options);
        var handler = (GatewaySessionHandler)snapshot.Listeners["inbound"].Handler;
        var recipients = Assert.Single(handler.Chain.Filters.OfType<RecipientFilter>());

        var lookup = recipients.LookupAsync("bob@example.test", CancellationToken.None).AsTask();
        // LdapRecipientSource cuts each wait at three times the timeout, on its clock.
        await clock.TimerStartedAsync(TimeSpan.FromSeconds(6));
        Assert.False(lookup.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(6));

        Assert.Equal(RecipientLookup.Unavailable, await lookup.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
