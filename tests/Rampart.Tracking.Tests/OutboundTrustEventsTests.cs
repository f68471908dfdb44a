using Rampart.Mail;

namespace Rampart.Tracking.Tests;

/// <summary>MTA-STS and REQUIRETLS events that concern one message make a tracking event saying why (fields as logged).</summary>
public sealed class OutboundTrustEventsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    private static TrackingEvent Single(int id, params (string Key, object? Value)[] fields)
    {
        Assert.True(CatalogueEvents.IsTracked(id));
        return Assert.Single(CatalogueEvents.Map(id, new LogFields(fields.Select(f => KeyValuePair.Create(f.Key, f.Value)).ToList()), T0, _ => null));
    }

    [Fact]
    public void Tls_required_no_is_shown_with_the_domain()
    {
        var e = Single(EventCatalogue.TlsRequiredNoHonoured, ("QueueId", "Q1"), ("Domain", "example.net"));
        Assert.Equal(("Q1", TrackingEventKind.Filter, "mta_sts"), (e.QueueId, e.Kind, e.Stage));
        Assert.Equal("TLS-Required: No: the MTA-STS policy of example.net not applied", e.Detail);
    }

    [Fact]
    public void An_unmet_requiretls_is_shown_with_the_host_and_reason()
    {
        var e = Single(EventCatalogue.RequireTlsUnmet, ("QueueId", "Q2"), ("Host", "mx.example.net[192.0.2.1]:25"), ("Reason", "the next hop does not offer REQUIRETLS"));
        Assert.Equal(("Q2", "requiretls"), (e.QueueId, e.Stage));
        Assert.Equal("REQUIRETLS not met by mx.example.net[192.0.2.1]:25: the next hop does not offer REQUIRETLS", e.Detail);
    }

    [Fact]
    public void Events_about_a_domain_not_a_message_make_none() =>
        Assert.False(CatalogueEvents.IsTracked(EventCatalogue.MtaStsRefused));
}
