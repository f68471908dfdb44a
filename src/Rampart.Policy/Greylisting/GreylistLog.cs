using Microsoft.Extensions.Logging;
using Rampart.Mail;

namespace Rampart.Policy.Greylisting;

/// <summary>Greylisting's log lines, with their event ids (4250–4269).</summary>
internal static partial class GreylistLog
{
    // Debug: the engine's refusal line already says each 451 at the default level; this adds the triplet.
    [LoggerMessage(EventCatalogue.Greylisted, LogLevel.Debug,
        "Session {Session}: greylisted {Network} {Sender} -> {Recipient} for {Remaining}")]
    public static partial void Greylisted(ILogger logger, string session, string network, string sender, string recipient, TimeSpan remaining);

    // Information: the answer to "why did this mail arrive five minutes late?".
    [LoggerMessage(EventCatalogue.GreylistPassed, LogLevel.Information,
        "Session {Session}: greylisting passed {Network} {Sender} -> {Recipient}")]
    public static partial void GreylistPassed(ILogger logger, string session, string network, string sender, string recipient);

    [LoggerMessage(EventCatalogue.GreylistExempt, LogLevel.Debug, "Session {Session}: not greylisted ({Reason})")]
    public static partial void GreylistExempt(ILogger logger, string session, string reason);

    // Fail open: a store that cannot answer must not hold up every sender, nor refuse them.
    [LoggerMessage(EventCatalogue.GreylistStoreFailed, LogLevel.Warning, "Session {Session}: greylisting store failed; recipient passed without greylisting")]
    public static partial void GreylistStoreFailed(ILogger logger, Exception exception, string session);

    // Warning: a flood of new triplets is pushing pending ones out; real senders caught in it are delayed once more.
    [LoggerMessage(EventCatalogue.GreylistPendingCapReached, LogLevel.Warning,
        "Greylisting store at its cap of {Max} pending triplets: {Forgotten} pending triplets nearest their expiry forgotten")]
    public static partial void GreylistPendingCapReached(ILogger logger, int max, long forgotten);
}
