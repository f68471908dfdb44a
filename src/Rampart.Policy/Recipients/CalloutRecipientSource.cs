using Microsoft.Extensions.Logging;
using Rampart.Mail;

namespace Rampart.Policy.Recipients;

/// <summary>
/// The smart host's RCPT reply as a recipient lookup: 2xx known, 5xx unknown, anything else (4xx, no answer,
/// MAIL refused) unavailable, so a smart host that is down or busy gives 451, never a false 550.
/// </summary>
public sealed partial class CalloutRecipientSource(IRecipientProbe probe, ILogger logger) : IRecipientSource
{
    public string Name => $"callout to {probe.Describe}";

    public async ValueTask<RecipientLookup> LookupAsync(string address, CancellationToken ct)
    {
        var answer = await probe.AskAsync(address, ct);
        if (answer.Reply is not { } reply)
        {
            CalloutLog.NotAsked(logger, LogText.Escape(address), LogText.Escape(answer.Error));
            return RecipientLookup.Unavailable;
        }
        return (reply.Code / 100, reply.Status?.Subject) switch
        {
            (2, _) => RecipientLookup.Known,
            // Only address statuses (RFC 3463 X.1.x) say the mailbox does not exist; "5.7.1 relaying denied" is a
            // misconfigured smart host, not an unknown user.
            (5, 1) => RecipientLookup.Unknown,
            (5, null) when reply.Code is 550 or 551 or 553 => RecipientLookup.Unknown,
            _ => Unavailable(address, reply),
        };
    }

    private RecipientLookup Unavailable(string address, SmtpReply reply)
    {
        CalloutLog.NoAnswer(logger, LogText.Escape(address), LogText.Escape(reply.ToString()));
        return RecipientLookup.Unavailable;
    }

    // Ids from the top of the recipients' range (4100-4199), to stay clear of the other recipient sources.
    private static partial class CalloutLog
    {
        [LoggerMessage(EventCatalogue.NotAsked, LogLevel.Warning, "Recipient callout for {Recipient} failed: {Error}")]
        public static partial void NotAsked(ILogger logger, string recipient, string error);

        [LoggerMessage(EventCatalogue.NoAnswer, LogLevel.Warning, "Recipient callout for {Recipient}: {Reply}")]
        public static partial void NoAnswer(ILogger logger, string recipient, string reply);
    }
}
