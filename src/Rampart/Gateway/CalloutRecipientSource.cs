using Microsoft.Extensions.Logging;
using Rampart.Delivery.Smtp;
using Rampart.Mail;
using Rampart.Policy.Recipients;

namespace Rampart.Gateway;

/// <summary>
/// The smart host's RCPT reply as a recipient lookup: 2xx known, 5xx unknown, anything else (4xx, no answer,
/// MAIL refused) unavailable, so a smart host that is down or busy gives 451, never a false 550.
/// Lives here because Policy knows neither Delivery nor its SMTP client.
/// </summary>
public sealed class CalloutRecipientSource(SmtpCallout callout, ILogger logger) : IRecipientSource
{
    public string Name => $"callout to {callout.Describe}";

    public async ValueTask<RecipientLookup> LookupAsync(string address, CancellationToken ct)
    {
        var (reply, error) = await callout.VerifyAsync(address, ct);
        if (reply is null)
        {
            logger.LogWarning("Recipient callout for {Recipient} failed: {Error}", LogText.Escape(address), LogText.Escape(error));
            return RecipientLookup.Unavailable;
        }
        return (reply.Code / 100, reply.Status?.Subject) switch
        {
            (2, _) => RecipientLookup.Known,
            // Only address statuses (RFC 3463 X.1.x) say the mailbox does not exist; "5.7.1 relaying denied" is a
            // misconfigured smart host, not an unknown user.
            (5, 1) => RecipientLookup.Unknown,
            (5, null) when reply.Code is 550 or 551 or 553 => RecipientLookup.Unknown,
            _ => Unavailable(address, reply.ToString()),
        };
    }

    private RecipientLookup Unavailable(string address, string reply)
    {
        logger.LogWarning("Recipient callout for {Recipient}: {Reply}", LogText.Escape(address), LogText.Escape(reply));
        return RecipientLookup.Unavailable;
    }
}
