using Rampart.Mail;

namespace Rampart.Delivery.Scheduling;

/// <summary>The replies the queue manager makes up itself for recipients it could not hand to a next hop.</summary>
internal static class DeliveryReplies
{
    /// <summary>No routing rule matched: the recipient stays queued until a reload adds one.</summary>
    public static readonly SmtpReply NoRoute = new(451, "4.3.5", "No route for this recipient");

    /// <summary>The message's chosen route (<see cref="Queue.QueuedEnvelope.Route"/>) is not configured: it waits for a reload that brings it back.</summary>
    public static SmtpReply ChosenRouteMissing(string route) =>
        new(451, "4.3.5", $"Route {LogText.Escape(route)} chosen for this message is not configured; kept queued");

    /// <summary>The gateway stopped before the recipient's turn came: the next start tries again.</summary>
    public static readonly SmtpReply Stopping = new(421, "4.3.2", "Gateway stopping");

    /// <summary>Something failed on our side (a transport's bug, an unreadable spool file): retried.</summary>
    public static readonly SmtpReply FailedLocally = new(451, "4.3.0", "Delivery failed locally; will retry");

    /// <summary>RFC 3463 5.4.7: still failing when the maximum queue time ran out; the last error says why.</summary>
    public static SmtpReply Expired(TimeSpan maxQueueTime, SmtpReply lastError) =>
        new(554, "5.4.7", $"Delivery time expired after {Describe(maxQueueTime)}; last error: {lastError}");

    private static string Describe(TimeSpan t) =>
        t.TotalDays >= 1 ? $"{t.TotalDays:0.##} days" : t.TotalHours >= 1 ? $"{t.TotalHours:0.##} hours" : $"{t.TotalSeconds:0} seconds";
}
