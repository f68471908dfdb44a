using Rampart.Mail;

namespace Rampart.Policy.Recipients;

/// <summary>What a probe heard: the reply to RCPT, or none and why (no host answered, no free slot in time).</summary>
public sealed record ProbeAnswer(SmtpReply? Reply, string? Error)
{
    public static ProbeAnswer Replied(SmtpReply reply) => new(reply, null);

    public static ProbeAnswer NotAsked(string error) => new(null, error);
}

/// <summary>
/// The one-method seam to the SMTP client a recipient callout needs: ask a next hop whether it takes RCPT TO for
/// an address. Defined here because Policy knows neither Delivery nor its client; the composition root implements
/// it over Rampart.Delivery's SmtpCallout.
/// </summary>
public interface IRecipientProbe
{
    /// <summary>Who is asked (the hosts), for logs.</summary>
    string Describe { get; }

    /// <summary>Failures to reach anyone are an answer with no reply, not exceptions.</summary>
    Task<ProbeAnswer> AskAsync(string address, CancellationToken ct);
}
