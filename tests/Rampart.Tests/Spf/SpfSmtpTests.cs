using System.Net;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.Tests.Spf;

/// <summary>
/// spf: over SMTP: a whole gateway whose dns: is a real unbound serving SPF records (<see cref="SpfZones"/>), clients
/// bound to different 127.x addresses.
/// </summary>
public sealed class SpfSmtpTests(SpfZones unbound) : IClassFixture<SpfZones>
{
    private const string Message = "From: a@spf.test\r\nTo: b@example.test\r\nSubject: hi\r\n\r\nhello\r\n";

    private Task<TestGateway> StartAsync(string spf = "{}") =>
        TestGateway.StartAsync(
            inboundExtra: $"spf: {spf}",
            topExtra: $"dns: {{server: 127.0.0.1, port: {unbound.Port}, timeout: 500ms}}");

    [Fact]
    public async Task A_client_the_sender_domain_does_not_allow_is_refused_at_MAIL_with_5_7_23()
    {
        await using var gateway = await StartAsync();

        await using var c = await gateway.ConnectAsync(from: IPAddress.Parse("127.0.0.7"));
        await c.HelloAsync();
        var reply = await c.CommandAsync("MAIL FROM:<a@spf.test>", "550 5.7.23 SPF validation failed: spf.test does not designate this host as a sender; id ");
        Assert.Single(reply);
    }

    [Fact]
    public async Task A_domains_explanation_is_given_with_the_receiving_host_for_its_r_macro()
    {
        await using var gateway = await StartAsync();

        await using var c = await gateway.ConnectAsync(from: IPAddress.Parse("127.0.0.7"));
        await c.HelloAsync();
        await c.CommandAsync("MAIL FROM:<a@explained.spf.test>",
            "550 5.7.23 SPF validation failed for explained.spf.test: mx.rampart.test was told 127.0.0.7 may not send for explained.spf.test; id ");
    }

    [Fact]
    public async Task An_allowed_client_is_accepted_and_its_mail_delivered()
    {
        await using var gateway = await StartAsync();

        await using var c = await gateway.ConnectAsync(from: IPAddress.Parse("127.0.0.5"));
        await c.HelloAsync();
        await c.EnvelopeAsync("a@spf.test", "b@example.test");
        await c.DataAsync(Message);
        Assert.Single(await gateway.WaitForDropAsync(1));
    }

    [Fact]
    public async Task With_fail_none_a_refused_client_is_only_logged()
    {
        await using var gateway = await StartAsync("{fail: none}");

        await using var c = await gateway.ConnectAsync(from: IPAddress.Parse("127.0.0.7"));
        await c.HelloAsync();
        await c.EnvelopeAsync("a@spf.test", "b@example.test");
        await c.DataAsync(Message);
        Assert.Single(await gateway.WaitForDropAsync(1));
    }

    [Fact]
    public async Task A_sender_domain_whose_DNS_fails_is_accepted_by_default()
    {
        await using var gateway = await StartAsync();

        await using var c = await gateway.ConnectAsync(from: IPAddress.Parse("127.0.0.7"));
        await c.HelloAsync();
        await c.EnvelopeAsync("a@servfail.test", "b@example.test");
        await c.DataAsync(Message);
        Assert.Single(await gateway.WaitForDropAsync(1));
    }

    [Fact]
    public async Task With_temperror_defer_a_sender_domain_whose_DNS_fails_is_deferred_with_4_7_24()
    {
        await using var gateway = await StartAsync("{temperror: defer}");

        await using var c = await gateway.ConnectAsync(from: IPAddress.Parse("127.0.0.7"));
        await c.HelloAsync();
        await c.CommandAsync("MAIL FROM:<a@servfail.test>", "451 4.7.24 SPF validation error: the SPF record of servfail.test could not be read now");
    }

    [Fact]
    public async Task A_broken_record_is_accepted_by_default_and_refused_with_5_7_24_when_asked()
    {
        await using (var gateway = await StartAsync())
        {
            await using var c = await gateway.ConnectAsync(from: IPAddress.Parse("127.0.0.7"));
            await c.HelloAsync();
            await c.CommandAsync("MAIL FROM:<a@broken.spf.test>", "250 ");
        }

        await using (var gateway = await StartAsync("{permerror: reject}"))
        {
            await using var c = await gateway.ConnectAsync(from: IPAddress.Parse("127.0.0.7"));
            await c.HelloAsync();
            await c.CommandAsync("MAIL FROM:<a@broken.spf.test>", "550 5.7.24 SPF validation error: the SPF record of broken.spf.test is invalid; id ");
        }
    }

    [Fact]
    public async Task A_bounce_is_checked_as_postmaster_at_the_HELO_name()
    {
        await using var gateway = await StartAsync();

        await using (var refused = await gateway.ConnectAsync(from: IPAddress.Parse("127.0.0.7")))
        {
            await refused.HelloAsync("helo.spf.test");
            await refused.CommandAsync("MAIL FROM:<>", "550 5.7.23 SPF validation failed: helo.spf.test does not designate this host as a sender");
        }

        await using var allowed = await gateway.ConnectAsync(from: IPAddress.Parse("127.0.0.5"));
        await allowed.HelloAsync("helo.spf.test");
        await allowed.CommandAsync("MAIL FROM:<>", "250 ");
    }
}
