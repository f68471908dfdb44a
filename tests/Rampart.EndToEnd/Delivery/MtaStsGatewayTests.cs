using Rampart.Testing;
using Rampart.Testing.Processes;
using static Rampart.EndToEnd.Delivery.DeliveryHarness;

namespace Rampart.EndToEnd.Delivery;

/// <summary>
/// MTA-STS and REQUIRETLS through the whole gateway, as configured: the mta_sts: cache folder read by an mx route
/// (the HTTPS fetch itself is tested in Rampart.Delivery.Tests: a gateway always fetches from port 443), and the outbound
/// listener's answer to REQUIRETLS in plaintext.
/// </summary>
public sealed class MtaStsGatewayTests(UnboundServer dns) : IClassFixture<UnboundServer>
{
    [Fact]
    public async Task A_cached_enforce_policy_keeps_mail_from_an_mx_it_does_not_name()
    {
        using var cache = new TempDirectory("rampart-sts-cache");
        // deliver.test publishes no _mta-sts record now; a policy cached within its max_age still holds (RFC 8461 §5).
        var policy = "version: STSv1\\r\\nmode: enforce\\r\\nmx: mx.elsewhere.test\\r\\nmax_age: 86400\\r\\n";
        await File.WriteAllTextAsync(cache.File("deliver.test.json"),
            $$"""{"Id":"1","Text":"{{policy}}","FetchedAt":"{{DateTimeOffset.UtcNow:O}}"}""");
        await using var sink = await SmtpSink.StartAsync();
        await using var gateway = await StartAsync($"{{transport: mx, port: {sink.Port}}}", dns.Port, topExtra: $"mta_sts: {{cache: {cache.Path}}}");

        var id = await SendAsync(gateway, "kept back", "", "user@deliver.test");

        await WaitUntilAsync(() => OutcomeLog(gateway, id).Contains("MTA-STS policy of deliver.test (enforce)", StringComparison.Ordinal),
            "the deferral naming the MTA-STS policy in the .rcpt log");
        Assert.Contains("4.7.0", OutcomeLog(gateway, id), StringComparison.Ordinal);
        Assert.Equal(0, sink.DumpCount);
        Assert.False(QueueIsEmpty(gateway));
    }

    [Fact]
    public async Task Without_mta_sts_on_the_route_the_cached_policy_is_not_asked()
    {
        using var cache = new TempDirectory("rampart-sts-cache");
        var policy = "version: STSv1\\r\\nmode: enforce\\r\\nmx: mx.elsewhere.test\\r\\nmax_age: 86400\\r\\n";
        await File.WriteAllTextAsync(cache.File("deliver.test.json"),
            $$"""{"Id":"1","Text":"{{policy}}","FetchedAt":"{{DateTimeOffset.UtcNow:O}}"}""");
        await using var sink = await SmtpSink.StartAsync();
        await using var gateway = await StartAsync($"{{transport: mx, port: {sink.Port}, mta_sts: false}}", dns.Port, topExtra: $"mta_sts: {{cache: {cache.Path}}}");

        await SendAsync(gateway, "goes out", "", "user@deliver.test");

        Assert.Contains("Subject: goes out", Assert.Single(await sink.WaitForDumpsAsync(1)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Requiretls_in_plaintext_is_refused_by_the_listener()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var gateway = await StartAsync($"{{transport: mx, port: {sink.Port}}}", dns.Port);
        await using var c = await gateway.ConnectAsync("outbound");
        await c.ExpectAsync("220 ");
        var ehlo = await c.CommandAsync("EHLO c.test", "250 ");
        Assert.DoesNotContain(ehlo, l => l.Contains("REQUIRETLS", StringComparison.Ordinal));
        await c.CommandAsync($"MAIL FROM:<{Sender}> REQUIRETLS", "530 5.7.10 ");
    }
}
