using Microsoft.Extensions.Logging;
using Rampart.Mail;

namespace Rampart.Policy.DnsLists;

/// <summary>The DNS lists' log lines, with their event ids (4200–4229).</summary>
internal static partial class DnsListLog
{
    // A list that cannot answer is never a refusal (issue 13): the client is judged on the lists that did answer.
    [LoggerMessage(EventCatalogue.DnsListFailed, LogLevel.Warning, "Session {Session}: DNS list {Zone} did not answer for {Client} ({Error}); counted as not listed")]
    public static partial void DnsListFailed(ILogger logger, string session, string zone, string client, string error);

    [LoggerMessage(EventCatalogue.DnsListScore, LogLevel.Information, "Session {Session}: client {Client} listed by {Sites}, score {Score} (threshold {Threshold})")]
    public static partial void DnsListScore(ILogger logger, string session, string client, string sites, int score, int threshold);
}
