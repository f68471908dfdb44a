using Rampart.Delivery.Smtp;
using Rampart.Policy.Recipients;

namespace Rampart.Gateway;

/// <summary>The callout's probe over Delivery's SMTP client: Policy's seam, implemented here where both are known.</summary>
internal sealed class SmtpCalloutProbe(SmtpCallout callout) : IRecipientProbe
{
    public string Describe => callout.Describe;

    public async Task<ProbeAnswer> AskAsync(string address, CancellationToken ct)
    {
        var (reply, error) = await callout.VerifyAsync(address, ct);
        return new ProbeAnswer(reply, error);
    }
}
