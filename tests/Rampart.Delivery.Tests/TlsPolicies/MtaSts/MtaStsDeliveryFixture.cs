using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Rampart.Delivery.Routing;
using Rampart.Delivery.Smtp;
using Rampart.Delivery.TlsPolicies.MtaSts;
using Rampart.Dns;
using Rampart.Mail;
using Rampart.Queue;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.Delivery.Tests.TlsPolicies.MtaSts;

/// <summary>
/// The real parts of the MTA-STS tests: unbound with the test domains, the HTTPS policy host on 127.0.0.1 (a port of its own), a
/// Postfix (no REQUIRETLS; certificate for mx1.example.test from its own CA) and a REQUIRETLS peer (certificate for
/// mx1.example.test from our CA), and a spool for the messages.
/// </summary>
public sealed class MtaStsDeliveryFixture : IAsyncLifetime
{
    private const string Head = "version: STSv1\r\n";

    /// <summary>What each hostile policy host serves, and the words of the refusal the log must show.</summary>
    internal static readonly Dictionary<string, (PolicyAnswer Answer, string Reason)> HostilePolicies = new()
    {
        ["hostile1.test"] = (new(Head + "mode: enforce\r\nmx: mx1.example.test\r\nmax_age: 86400\r\next: " + new string('a', 70_000) + "\r\n"), "65536-byte cap"),
        ["hostile2.test"] = (new("", 302, Location: "https://mta-sts.enforce.test/.well-known/mta-sts.txt"), "redirects (302)"),
        ["hostile3.test"] = (new(Head + "mode: enforce\r\nmx: mx1.example.test\r\nmax_age: 86400\r\n", ContentType: "text/html"), "media type 'text/html'"),
        ["hostile4.test"] = (new(Head + "mode: testing\rmode: enforce\r\nmx: mx1.example.test\r\nmax_age: 86400\r\n"), "control or non-ASCII"),
        ["hostile5.test"] = (new(Head + "mode: enforce\r\nmx: *.*.example\r\nmax_age: 86400\r\n"), "mx '*.*.example' is not a host name"),
        ["hostile6.test"] = (new(Head + "mode: enforce\r\nmx: *example.com\r\nmax_age: 86400\r\n"), "mx '*example.com' is not a host name"),
        ["hostile7.test"] = (new(Head + "mode: enforce\r\nmx: mx1.example.test\r\nmax_age: 99999999999\r\n"), "max_age '99999999999' is not a number"),
        ["hostile8.test"] = (new(Head + "mode: enforce\r\nmx: mx1.example.test\r\nmax_age: -1\r\n"), "max_age '-1' is not a number"),
        ["hostile9.test"] = (new(Head + "mode: enforce\r\nmode: none\r\nmx: mx1.example.test\r\nmax_age: 86400\r\n"), "mode appears twice"),
        ["hostile10.test"] = (new(Head + "mode: enforce\r\nmx: mx1.example.test\0.evil.test\r\nmax_age: 86400\r\n"), "control or non-ASCII"),
        ["hostile11.test"] = (new("", 404), "answered 404"),
        ["hostile12.test"] = (new(Head + "mode: enforce\r\nmx: mx1.example.test\r\nmax_age: 86400\r\n", ContentType: "application/octet-stream"), "not text/plain"),
    };

    private readonly TempDirectory temp = new("rampart-mtasts");
    private readonly MtaStsZones zones = new();

    internal TestPki Pki { get; } = TestPki.Create();
    internal PostfixServer Postfix { get; private set; } = null!;
    internal PolicyHost Policies { get; private set; } = null!;
    internal RequireTlsPeer Peer { get; private set; } = null!;
    /// <summary>mx2.example.test (127.0.0.2, the peer's port): verified TLS, no REQUIRETLS; twomx.test's first MX.</summary>
    internal RequireTlsPeer PeerWithoutRequireTls { get; private set; } = null!;
    /// <summary>mx3.example.test (127.0.0.3, the peer's port): no STARTTLS at all; notls.test's MX.</summary>
    internal RequireTlsPeer PeerWithoutStartTls { get; private set; } = null!;
    internal DnsService Dns { get; private set; } = null!;
    internal QueueStore Store { get; private set; } = null!;

    /// <summary>The policy host's CA and Postfix's, as the mta_sts: ca_file would list them.</summary>
    internal X509Certificate2Collection Roots => [Pki.Ca, Postfix.Pki.Ca];

    public async Task InitializeAsync()
    {
        await zones.InitializeAsync();
        Dns = new DnsService(new DnsServiceOptions { Servers = [new System.Net.IPEndPoint(zones.Address, zones.Port)], Timeout = TimeSpan.FromSeconds(2) }, TimeProvider.System);
        Postfix = await PostfixServer.StartAsync(new PostfixServerOptions { OtherDomains = MtaStsZones.MailDomains.ToList() });
        Policies = await PolicyHost.StartAsync(Pki.IssueServer([.. MtaStsZones.PolicyHostNames]));
        Peer = new RequireTlsPeer(Pki.Server);
        PeerWithoutRequireTls = new RequireTlsPeer(Pki.IssueServer("mx2.example.test"), System.Net.IPAddress.Parse("127.0.0.2"), Peer.Port, offerRequireTls: false);
        PeerWithoutStartTls = new RequireTlsPeer(Pki.Server, System.Net.IPAddress.Parse("127.0.0.3"), Peer.Port, offerStartTls: false);
        Policies.Answers["mta-sts.twomx.test"] = Policy("enforce", "*.example.test");
        Policies.Answers["mta-sts.notls.test"] = Policy("enforce", "*.example.test");
        Policies.Answers["mta-sts.reset.test"] = new PolicyAnswer($"{Head}mode: enforce\r\nmx: mx1.example.test\r\nmax_age: 86400\r\n", CutAfter: 10);
        Policies.Answers["mta-sts.enforce.test"] = Policy("enforce", "mx1.example.test");
        Policies.Answers["mta-sts.badcert.test"] = Policy("enforce", "mx.badcert.test");
        Policies.Answers["mta-sts.testing.test"] = Policy("testing", "mx.testing.test");
        Policies.Answers["mta-sts.stranger.test"] = Policy("enforce", "mx.elsewhere.test");
        Policies.Answers["mta-sts.cached.test"] = new PolicyAnswer("down for maintenance", 500);
        Policies.Answers["mta-sts.peer.test"] = Policy("enforce", "*.example.test");
        foreach (var (domain, (answer, _)) in HostilePolicies) Policies.Answers["mta-sts." + domain] = answer;
        Store = new QueueStore(temp.File("spool"), NullLogger.Instance);
    }

    private static PolicyAnswer Policy(string mode, string mx) => new($"{Head}mode: {mode}\r\nmx: {mx}\r\nmax_age: 86400\r\n");

    /// <summary>A service with a cache folder of its own (or the one given: a restart), logging into <paramref name="log"/>.</summary>
    internal MtaStsService Service(LogRecorder log, string? cacheFolder = null, TimeProvider? clock = null) =>
        new(new MtaStsOptions { TrustedRoots = Roots, CacheFolder = cacheFolder ?? temp.File("cache-" + Guid.NewGuid().ToString("N")), HttpsPort = Policies.Port }, Dns, log, clock);

    /// <summary>An MX route to the port of Postfix (or the peer), opportunistic TLS as by default, with MTA-STS on.</summary>
    internal SmtpRoute Route(MtaStsService service, LogRecorder log, int? port = null) =>
        new("mx", [], port ?? Postfix.EndPoint.Port, Smtp.Messages.Options(), new MxResolver(Dns), 10, log) { MtaSts = service };

    internal Task<QueuedMessage> SubmitAsync(string recipient, string marker, bool requireTls = false, string extraHeaders = "", string sender = "alice@rampart.test") =>
        Store.SubmitAsync(id => new QueuedEnvelope
        {
            QueueId = id,
            Listener = "outbound",
            Role = ListenerRole.Outbound,
            ClientAddress = "127.0.0.1",
            Sender = new Sender(sender, RequireTls: requireTls),
            Recipients = [new Recipient(recipient)],
            ReceivedAt = DateTimeOffset.UtcNow,
        }, Encoding.ASCII.GetBytes(Smtp.Messages.Text(marker, "secret\r\n", extraHeaders)), TimeProvider.System);

    public async Task DisposeAsync()
    {
        Store?.Dispose();
        if (Peer is not null) await Peer.DisposeAsync();
        if (PeerWithoutRequireTls is not null) await PeerWithoutRequireTls.DisposeAsync();
        if (PeerWithoutStartTls is not null) await PeerWithoutStartTls.DisposeAsync();
        if (Policies is not null) await Policies.DisposeAsync();
        if (Postfix is not null) await Postfix.DisposeAsync();
        await zones.DisposeAsync();
        Pki.Dispose();
        temp.Dispose();
    }
}
