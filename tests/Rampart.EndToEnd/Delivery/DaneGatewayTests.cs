using System.Security.Cryptography;
using Rampart.Testing.Processes;
using static Rampart.EndToEnd.Delivery.DeliveryHarness;

namespace Rampart.EndToEnd.Delivery;

/// <summary>A real Postfix next hop and a validating unbound over a signed zone: example.test's MX has a matching TLSA record, mismatch.test's MX one that matches nothing.</summary>
public sealed class DaneGatewayWorld : IAsyncLifetime
{
    public PostfixServer Server { get; private set; } = null!;
    public SignedZoneServer Dns { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await PostfixServer.StartAsync();
        var spki = Convert.ToHexString(SHA256.HashData(Server.Pki.Server.PublicKey.ExportSubjectPublicKeyInfo()));
        string[] zone =
        [
            "example MX 10 mx1.example.test.",
            "mx1.example A 127.0.0.1",
            $"_{Server.Port}._tcp.mx1.example TLSA 3 1 1 {spki}",
            "mismatch MX 10 mx.mismatch.test.",
            "mx.mismatch A 127.0.0.1",
            $"_{Server.Port}._tcp.mx.mismatch TLSA 3 1 1 {new string('b', 64)}",
        ];
        Dns = await SignedZoneServer.StartAsync(string.Join("\n", zone), "@ MX 10 mx.unsigned.example.\nmx A 127.0.0.1");
    }

    public async Task DisposeAsync()
    {
        if (Dns is not null) await Dns.DisposeAsync();
        if (Server is not null) await Server.DisposeAsync();
    }
}

/// <summary>
/// DANE from the configuration file to the wire (RFC 7672): an mx route with <c>tls: dane</c> and the <c>dane:</c>
/// resolver. A match delivers over TLS; a mismatch is deferred with 4.7.5, the message kept in the queue.
/// </summary>
public sealed class DaneGatewayTests(DaneGatewayWorld world) : IClassFixture<DaneGatewayWorld>
{
    private Task<Rampart.Testing.TestGateway> StartAsync() =>
        DeliveryHarness.StartAsync($"{{transport: mx, port: {world.Server.Port}, tls: dane}}", dnsPort: world.Dns.Port,
            topExtra: $"dane: {{resolver: \"127.0.0.1:{world.Dns.Port}\"}}");

    [Fact]
    public async Task A_tlsa_match_delivers_and_a_mismatch_stays_queued_with_4_7_5()
    {
        await using var gateway = await StartAsync();

        await SendAsync(gateway, "dane to example.test", "", "bob@example.test");
        Assert.Contains("with ESMTPS", await world.Server.WaitForMessageAsync("bob", "Subject: dane to example.test"));
        await WaitUntilAsync(() => QueueIsEmpty(gateway), "queue empty after the DANE delivery");

        var id = await SendAsync(gateway, "dane mismatch", "", "bob@mismatch.test");
        await WaitUntilAsync(() => OutcomeLog(gateway, id).Contains("does not match TLSA", StringComparison.Ordinal), "a 4.7.5 deferral recorded");
        var log = OutcomeLog(gateway, id);
        Assert.Contains("4.7.5", log, StringComparison.Ordinal);
        // Deferred, not bounced: the message is still queued and no notice was written.
        Assert.False(QueueIsEmpty(gateway));
        Assert.Equal(0, gateway.DropCount());
    }
}
