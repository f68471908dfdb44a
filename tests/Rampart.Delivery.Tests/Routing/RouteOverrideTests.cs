using Rampart.Delivery.Tests.Scheduling;
using Rampart.Mail;
using Rampart.Queue;

namespace Rampart.Delivery.Tests.Routing;

/// <summary>The route a message's envelope names (a rule's "route through") against the configured routes.</summary>
public class RouteOverrideTests
{
    private static QueuedEnvelope Envelope(string? route) => new()
    {
        QueueId = "Q1",
        Listener = "inbound",
        Role = ListenerRole.Inbound,
        ClientAddress = "127.0.0.1",
        Sender = new Sender("a@sender.test"),
        Recipients = [new Recipient("bob@example.test")],
        ReceivedAt = DateTimeOffset.UnixEpoch,
        Route = route,
    };

    private static readonly ScriptedRoute Local = new("local");
    private static readonly ScriptedRoute Journal = new("journal");

    private static DomainRouter Router(params ScriptedRoute[] routes) =>
        new([new RoutingRule(["*"], Local)], routes.ToDictionary(r => r.Name, r => (IRoute)r, StringComparer.Ordinal));

    [Theory]
    [InlineData("journal")]
    [InlineData("Journal")]
    [InlineData("JOURNAL")]
    public void A_named_route_is_found_whatever_the_case_of_the_name(string name)
    {
        // A miss would keep the mail queued until it expires: the filter that names it cannot see the routes.
        Assert.Same(Journal, Router(Local, Journal).RouteFor(Envelope(name), new Recipient("bob@example.test")));
    }

    [Fact]
    public void An_exact_name_wins_and_an_inexact_one_that_fits_two_routes_finds_none()
    {
        var upper = new ScriptedRoute("Journal");
        var router = Router(Local, Journal, upper);

        Assert.Same(upper, router.RouteFor(Envelope("Journal"), new Recipient("bob@example.test")));
        Assert.Same(Journal, router.RouteFor(Envelope("journal"), new Recipient("bob@example.test")));
        Assert.Null(router.RouteFor(Envelope("JOURNAL"), new Recipient("bob@example.test")));
        Assert.Null(router.RouteFor(Envelope("archive"), new Recipient("bob@example.test")));
        Assert.Same(Local, router.RouteFor(Envelope(null), new Recipient("bob@example.test")));
    }
}
