using System.Diagnostics;

namespace Rampart.Mail.Metrics;

/// <summary>
/// One listener's instruments, with every tag list it records made here once (refusals' per stage and reason on
/// first use): recording a message, a refusal or a session adds to a counter with a cached array, nothing more.
/// </summary>
public sealed class ListenerMeters
{
    private readonly RampartMetrics metrics;
    private readonly KeyValuePair<string, object?>[] listenerTags;
    private readonly KeyValuePair<string, object?>[] listenerOnly;
    private readonly KeyValuePair<string, object?>[] plainSession;
    private readonly KeyValuePair<string, object?>[] tlsSession;
    private readonly KeyValuePair<string, object?>[]?[] refusalTags =
        new KeyValuePair<string, object?>[]?[RefusalStages.Count * RefusalReasons.Count];

    internal ListenerMeters(RampartMetrics metrics, string listener, Direction direction)
    {
        this.metrics = metrics;
        Listener = listener;
        Direction = direction;
        var label = RampartMetrics.Label(direction);
        listenerTags = [new("listener", listener), new("direction", label)];
        listenerOnly = [new("listener", listener)];
        plainSession = [new("listener", listener), new("direction", label), new("tls", "false")];
        tlsSession = [new("listener", listener), new("direction", label), new("tls", "true")];
    }

    public string Listener { get; }

    public Direction Direction { get; }

    public void ConnectionOpened() => metrics.ConnectionsActive.Add(1, listenerOnly);

    public void ConnectionClosed() => metrics.ConnectionsActive.Add(-1, listenerOnly);

    public void SessionEnded(bool tls) => metrics.Sessions.Add(1, tls ? tlsSession : plainSession);

    /// <summary>A message answered 250: its size, and the time from its last byte (<paramref name="contentEnded"/>, a <see cref="Stopwatch"/> timestamp) to now.</summary>
    public void MessageAccepted(long size, long contentEnded)
    {
        metrics.MessagesReceived.Add(1, listenerTags);
        metrics.BytesReceived.Add(size, listenerTags);
        metrics.AcceptDuration.Record(Stopwatch.GetElapsedTime(contentEnded).TotalSeconds, listenerTags);
    }

    /// <summary>A 4xx or 5xx to a client; the reason comes from the reply's enhanced code, never from the client's words.</summary>
    public void Refused(RefusalStage stage, SmtpReply reply)
    {
        var reason = RefusalReasons.Of(reply);
        int slot = (int)stage * RefusalReasons.Count + (int)reason;
        var tags = refusalTags[slot] ??= [listenerTags[0], listenerTags[1], new("stage", RefusalStages.Label(stage)), new("reason", RefusalReasons.Label(reason))];
        metrics.Refusals.Add(1, tags);
    }
}

/// <summary>A route's delivery instruments for mail of one direction, tags made once.</summary>
public sealed class RouteMeters
{
    private readonly RampartMetrics metrics;
    private readonly KeyValuePair<string, object?>[] tags;

    internal RouteMeters(RampartMetrics metrics, string route, Direction direction)
    {
        this.metrics = metrics;
        tags = [new("route", route), new("direction", RampartMetrics.Label(direction))];
    }

    /// <summary>A recipient delivered, <paramref name="delay"/> after its message was accepted.</summary>
    public void Delivered(TimeSpan delay)
    {
        metrics.RecipientsDelivered.Add(1, tags);
        metrics.DeliveryDelay.Record(Math.Max(0, delay.TotalSeconds), tags);
    }

    public void Failed() => metrics.RecipientsFailed.Add(1, tags);

    public void Deferred() => metrics.RecipientsDeferred.Add(1, tags);
}
