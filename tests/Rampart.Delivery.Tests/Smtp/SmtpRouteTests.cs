using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Rampart.Delivery.Routing;
using Rampart.Delivery.Smtp;

namespace Rampart.Delivery.Tests.Smtp;

public class SmtpRouteTests
{
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private SmtpRoute Route() => new("relay", [new SmartHost("192.0.2.1", 25, Priority: 0), new SmartHost("192.0.2.2", 25, Priority: 1)], 25,
        new SmtpClientOptions { HeloName = "mx.rampart.test" }, new MxResolver(new Rampart.Dns.DnsService(new Rampart.Dns.DnsServiceOptions { Servers = [new IPEndPoint(IPAddress.Loopback, 53)], Timeout = TimeSpan.FromSeconds(1) }, clock)), 10,
        NullLogger.Instance, clock);

    private static async Task<List<string>> OrderAsync(SmtpRoute route) =>
        ((HostPlan.Try)await route.PlanAsync(null, default)).Targets.Select(t => t.Name).ToList();

    [Fact]
    public async Task A_host_that_deferred_goes_last_for_the_deferral_memory_on_the_clock()
    {
        var route = Route();
        Assert.Equal(["192.0.2.1", "192.0.2.2"], await OrderAsync(route));

        route.Deferred(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 25));
        Assert.Equal(["192.0.2.2", "192.0.2.1"], await OrderAsync(route));

        clock.Advance(SmtpRoute.DeferralMemory - TimeSpan.FromSeconds(1));
        Assert.Equal(["192.0.2.2", "192.0.2.1"], await OrderAsync(route));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["192.0.2.1", "192.0.2.2"], await OrderAsync(route));
    }
}
