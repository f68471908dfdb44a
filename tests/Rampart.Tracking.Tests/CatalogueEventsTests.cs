using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Rampart.Mail;
using Rampart.Testing;

namespace Rampart.Tracking.Tests;

/// <summary>
/// The mapping from catalogue events to tracking events, fed the fields the real declarations log (docs/events.md).
/// The gateway's own lines are checked end to end (Rampart.Tests Tracking/, Rampart.EndToEnd Tracking/).
/// </summary>
public sealed class CatalogueEventsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    private static readonly Dictionary<string, TrackingDirection> Listeners = new()
    {
        ["inbound"] = TrackingDirection.Inbound,
        ["outbound"] = TrackingDirection.Outbound,
    };

    private static List<TrackingEvent> Map(int id, params (string Key, object? Value)[] fields) =>
        CatalogueEvents.Map(id, new LogFields(fields.Select(f => KeyValuePair.Create(f.Key, f.Value)).ToList()), T0,
            l => Listeners.TryGetValue(l, out var d) ? d : null).ToList();

    private static (string, object?)[] Transaction(string verdict, string queueId = "Q1") =>
    [
        ("QueueId", queueId), ("SessionId", "inbound-1"), ("Client", System.Net.IPAddress.Parse("192.0.2.1")), ("Listener", "inbound"),
        ("TlsProtocol", "Tls13"), ("TlsCipher", "TLS_AES_256_GCM_SHA384"), ("User", "-"), ("From", "alice@foreign.test"),
        ("Recipients", "bob@example.test,carol@example.test"), ("Size", 1234L), ("Verdict", verdict), ("DurationMs", 5L),
        ("Score", "-"), ("MessageId", "mid-1@foreign.test"),
    ];

    [Fact]
    public void An_accepted_transaction_is_a_receive_per_recipient()
    {
        var events = Map(EventCatalogue.Transaction, Transaction("250 2.0.0 Ok: queued as Q1"));
        Assert.Equal(["bob@example.test", "carol@example.test"], events.Select(e => e.Recipient));
        Assert.All(events, e =>
        {
            Assert.Equal(TrackingEventKind.Receive, e.Kind);
            Assert.Equal(("Q1", "mid-1@foreign.test", "inbound-1", "192.0.2.1", "inbound"), (e.QueueId, e.MessageId, e.SessionId, e.Client, e.Listener));
            Assert.Equal(TrackingDirection.Inbound, e.Direction);
            Assert.Equal("alice@foreign.test", e.Sender);
            Assert.Equal("Tls13 TLS_AES_256_GCM_SHA384", e.Tls);
            Assert.Null(e.User);
            Assert.Equal(1234, e.Size);
            // Dated at the transaction's start: the line comes DurationMs (cut down to whole milliseconds) after MAIL.
            Assert.Equal(T0.AddMilliseconds(-6), e.Time);
        });
    }

    [Fact]
    public void A_transaction_refused_at_its_end_is_a_reject_per_recipient_and_one_given_up_is_nothing()
    {
        var events = Map(EventCatalogue.Transaction, Transaction("550 5.7.1 Rejected as spam (score 109.3, SCL 9) by GTUBE; id inbound-1"));
        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.Equal((TrackingEventKind.Reject, "DATA"), (e.Kind, e.Stage)));
        Assert.StartsWith("550 5.7.1", events[0].Detail, StringComparison.Ordinal);
        Assert.Empty(Map(EventCatalogue.Transaction, Transaction("reset", "-")));
        Assert.Empty(Map(EventCatalogue.Transaction, Transaction("disconnected", "-")));
    }

    private static (string, object?)[] Refused(string command, string from, int code = 550, string status = "5.1.1", string reply = "Recipient unknown") =>
    [
        ("SessionId", "outbound-3"), ("Client", System.Net.IPAddress.Parse("10.0.0.5")), ("Listener", "outbound"), ("Helo", "client.test"),
        ("Command", command), ("Code", code), ("Status", status), ("Reply", reply), ("From", from),
    ];

    [Fact]
    public void A_refused_recipient_is_a_reject_at_RCPT_with_its_sender()
    {
        var e = Assert.Single(Map(EventCatalogue.Refused, Refused("RCPT TO:<nobody@example.test>", "bob@example.test")));
        Assert.Equal((TrackingEventKind.Reject, "RCPT", "nobody@example.test", "bob@example.test"), (e.Kind, e.Stage, e.Recipient, e.Sender));
        Assert.Equal(("550 5.1.1 Recipient unknown", TrackingDirection.Outbound), (e.Detail, e.Direction));
        Assert.Equal("", Assert.Single(Map(EventCatalogue.Refused, Refused("RCPT TO:<x@example.test>", ""))).Sender);
    }

    [Fact]
    public void Refusals_at_connect_and_MAIL_are_tracked_those_at_AUTH_are_not()
    {
        var connect = Assert.Single(Map(EventCatalogue.Refused, Refused("CONNECT", "-", 554, "5.7.1", "Rejected: listed")));
        Assert.Equal(("CONNECT", null, null), (connect.Stage, connect.Sender, connect.Recipient));
        var mail = Assert.Single(Map(EventCatalogue.Refused, Refused("MAIL FROM:<ceo@bank.test>", "-", 550, "5.7.23", "SPF")));
        Assert.Equal(("MAIL", "ceo@bank.test"), (mail.Stage, mail.Sender));
        Assert.Empty(Map(EventCatalogue.Refused, Refused("AUTH PLAIN", "-", 535)));
    }

    [Fact]
    public void A_refused_DATA_command_is_a_reject_and_a_refusal_at_the_end_of_content_is_the_transactions()
    {
        // Refused as a command, the transaction still open (no transaction line says it).
        var data = Assert.Single(Map(EventCatalogue.Refused, Refused("DATA", "bob@example.test", 554, "5.5.1", "No valid recipients")));
        Assert.Equal((TrackingEventKind.Reject, "DATA", "bob@example.test", "554 5.5.1 No valid recipients"), (data.Kind, data.Stage, data.Sender, data.Detail));
        Assert.Equal("BDAT", Assert.Single(Map(EventCatalogue.Refused, Refused("BDAT 100 LAST", "bob@example.test", 554, "5.5.1"))).Stage);
        Assert.Equal("503 5.5.1 DATA not allowed after BDAT",
            Assert.Single(Map(EventCatalogue.Refused, Refused("DATA", "bob@example.test", 503, "5.5.1", "DATA not allowed after BDAT"))).Detail);
        // Out of order with no transaction at all.
        Assert.Single(Map(EventCatalogue.Refused, Refused("DATA", "-", 503, "5.5.1", "Need MAIL")));
        // At the end of the content the transaction ended first (its line holds the refusal, per recipient).
        Assert.Empty(Map(EventCatalogue.Refused, Refused("DATA", "-", 550, "5.7.1", "Rejected as spam")));
        Assert.Empty(Map(EventCatalogue.Refused, Refused("BDAT 100 LAST", "-", 552, "5.3.4", "Message too big")));
    }

    [Theory]
    [InlineData(EventCatalogue.MessageHeld, null, TrackingEventKind.Hold, "held by admin@example.test (now)")]
    [InlineData(EventCatalogue.HoldReleased, null, TrackingEventKind.Release, "released from hold by admin@example.test")]
    [InlineData(EventCatalogue.DeletePending, null, TrackingEventKind.Hold, "delete asked by admin@example.test during an attempt")]
    [InlineData(EventCatalogue.MessageDeleted, null, TrackingEventKind.Delete, "deleted from the queue by admin@example.test")]
    [InlineData(EventCatalogue.QuarantineDeletedByAdmin, null, TrackingEventKind.Delete, "deleted from quarantine by admin@example.test")]
    [InlineData(EventCatalogue.StoppedQueueChanged, "held", TrackingEventKind.Hold, "held by admin@example.test (gateway stopped)")]
    [InlineData(EventCatalogue.StoppedQueueChanged, "released", TrackingEventKind.Release, "released from hold by admin@example.test (gateway stopped)")]
    [InlineData(EventCatalogue.StoppedQueueChanged, "deleted", TrackingEventKind.Delete, "deleted from the queue by admin@example.test (gateway stopped)")]
    public void An_administrators_hold_release_and_delete_are_in_the_chain(int id, string? result, TrackingEventKind kind, string detail)
    {
        Assert.True(CatalogueEvents.IsTracked(id));
        var e = Assert.Single(Map(id, ("QueueId", "Q1"), ("By", "admin@example.test"), ("When", "now"), ("Result", result)));
        Assert.Equal((kind, "Q1", "admin"), (e.Kind, e.QueueId, e.Stage));
        Assert.StartsWith(detail, e.Detail, StringComparison.Ordinal);
        // A retry on a stopped gateway changes nothing the chain shows.
        Assert.Empty(Map(EventCatalogue.StoppedQueueChanged, ("QueueId", "Q1"), ("By", "x"), ("Result", "due-at-start")));
    }

    private static (string, object?)[] Outcome(string status, string detail, bool expired = false) =>
    [
        ("QueueId", "Q1"), ("Recipient", "bob@example.test"), ("Relay", "mail.example.test[10.0.0.2]:25"), ("Status", status),
        ("Detail", detail), ("Route", "internal"), ("Direction", "inbound"), ("Expired", expired),
    ];

    [Fact]
    public void An_outcome_is_its_route_then_delivered_deferred_failed_or_expired()
    {
        var delivered = Map(EventCatalogue.RecipientOutcome, Outcome("Delivered", "250 2.0.0 Ok: queued as 4XyZ1B2c3D"));
        Assert.Equal([TrackingEventKind.Route, TrackingEventKind.Deliver], delivered.Select(e => e.Kind));
        Assert.All(delivered, e => Assert.Equal(("internal", "mail.example.test[10.0.0.2]:25", TrackingDirection.Inbound), (e.Route, e.NextHop, e.Direction)));
        Assert.Equal("4XyZ1B2c3D", delivered[1].NextHopQueueId);
        Assert.Equal(TrackingEventKind.Defer, Map(EventCatalogue.RecipientOutcome, Outcome("TemporaryFailure", "451 4.4.1 no answer"))[1].Kind);
        Assert.Equal(TrackingEventKind.Fail, Map(EventCatalogue.RecipientOutcome, Outcome("PermanentFailure", "550 5.1.1 unknown"))[1].Kind);
        Assert.Equal(TrackingEventKind.Expire, Map(EventCatalogue.RecipientOutcome, Outcome("PermanentFailure", "554 5.4.7 expired", expired: true))[1].Kind);
    }

    [Theory]
    [InlineData(EventCatalogue.Quarantined, TrackingEventKind.Quarantine)]
    [InlineData(EventCatalogue.ReleasedFromQuarantine, TrackingEventKind.Release)]
    [InlineData(EventCatalogue.RescanReleased, TrackingEventKind.Release)]
    [InlineData(EventCatalogue.VirusFound, TrackingEventKind.Filter)]
    [InlineData(EventCatalogue.ScoringVerdict, TrackingEventKind.Filter)]
    [InlineData(EventCatalogue.SenderAuthChecked, TrackingEventKind.Filter)]
    [InlineData(EventCatalogue.DmarcRejected, TrackingEventKind.Filter)]
    [InlineData(EventCatalogue.Queued, TrackingEventKind.Bounce)]
    [InlineData(EventCatalogue.Deferred, TrackingEventKind.Defer)]
    public void Message_events_keep_their_queue_id(int id, TrackingEventKind kind)
    {
        Assert.True(CatalogueEvents.IsTracked(id));
        var e = Assert.Single(Map(id, ("QueueId", "Q1"), ("Reason", "virus Eicar"), ("Action", "Failed"), ("NoticeId", "N1"), ("To", "alice@foreign.test")));
        Assert.Equal((kind, "Q1"), (e.Kind, e.QueueId));
    }

    [Fact]
    public void A_transport_rule_action_is_a_filter_event_naming_the_rule_and_the_action()
    {
        Assert.True(CatalogueEvents.IsTracked(EventCatalogue.RuleActionTaken));
        var e = Assert.Single(Map(EventCatalogue.RuleActionTaken, ("QueueId", "Q1"), ("Rule", "external-warning"), ("Action", "prepend subject \"[EXTERNAL]\"")));
        Assert.Equal((TrackingEventKind.Filter, "Q1", "rules", "RULE external-warning: prepend subject \"[EXTERNAL]\""), (e.Kind, e.QueueId, e.Stage, e.Detail));
    }

    [Theory]
    [InlineData(EventCatalogue.SessionStarted)]
    [InlineData(EventCatalogue.GatewayStarted)]
    [InlineData(EventCatalogue.TrackingDropped)]
    public void Other_events_are_not_tracked(int id)
    {
        Assert.False(CatalogueEvents.IsTracked(id));
        Assert.Empty(Map(id, ("QueueId", "Q1")));
    }

    private static readonly Action<ILogger, string, string, string, string, string, string, Exception?> Delivered =
        LoggerMessage.Define<string, string, string, string, string, string>(LogLevel.Information,
            new EventId(EventCatalogue.RecipientOutcome, "RecipientOutcome"),
            "Delivery queue_id={QueueId} to=<{Recipient}> relay={Relay} status={Status} detail=\"{Detail}\" route={Route}");

    [Fact]
    public async Task The_provider_hears_information_events_when_the_console_is_at_warning()
    {
        using var temp = new TempDirectory("rampart-tracking");
        using var store = SqliteTrackingStore.Open(temp.File("tracking.db"));
        await using var writer = new TrackingWriter(store, new FakeLogger(), new FakeTimeProvider(T0), Listeners);
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning)
            .AddFilter<TrackingLoggerProvider>(null, TrackingLoggerProvider.MinimumLevel));
        var provider = new TrackingLoggerProvider(writer, new FakeTimeProvider(T0));
        loggers.AddProvider(provider);
        var logger = loggers.CreateLogger("Rampart.Delivery");
        Assert.True(logger.IsEnabled(LogLevel.Information));
        Delivered(logger, "Q1", "bob@example.test", "mx[10.0.0.2]", "Delivered", "250 2.0.0 Ok: queued as ABCDE12", "internal", null);
        await writer.FlushAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        var found = await store.SearchAsync(new TrackingQuery { QueueId = "ABCDE12" }, default);
        Assert.Equal([TrackingEventKind.Route, TrackingEventKind.Deliver], found.Select(e => e.Kind));

        // Stopped with the gateway: the factory may log on, tracking no longer listens.
        provider.Dispose();
        Delivered(logger, "Q2", "bob@example.test", "mx", "Delivered", "250 ok", "internal", null);
        await writer.FlushAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        Assert.Empty(await store.SearchAsync(new TrackingQuery { QueueId = "Q2" }, default));
    }
}
