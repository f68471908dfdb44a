using Microsoft.Extensions.Logging;
using Rampart.Mail;

namespace Rampart.Policy.DomainLists;

/// <summary>The domain lists' log lines, with their event ids (4202–4229, the DNS lists' range).</summary>
internal static partial class DomainListLog
{
    // As for address lists: a list that cannot answer is never a refusal, only a warning.
    [LoggerMessage(EventCatalogue.DomainListFailed, LogLevel.Warning, "Session {Session}: domain list {Zone} did not answer for {Domain} ({Error}); counted as not listed")]
    public static partial void DomainListFailed(ILogger logger, string session, string zone, string domain, string error);

    [LoggerMessage(EventCatalogue.DomainListScore, LogLevel.Information, "Session {Session}: {What} listed: {Listings}, score {Score} (threshold {Threshold})")]
    public static partial void DomainListScore(ILogger logger, string session, string what, string listings, int score, string threshold);

    // A message MimeKit cannot walk within the bounds is not refused here (the attachment filter judges malformed MIME):
    // its links are simply not looked up.
    [LoggerMessage(EventCatalogue.LinksNotRead, LogLevel.Information, "Session {Session}: links of message {QueueId} not looked up: {Reason}")]
    public static partial void LinksNotRead(ILogger logger, string session, string queueId, string reason);
}
