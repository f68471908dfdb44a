using System.Net;
using Rampart.Delivery.Routing;
using Rampart.Mail;

namespace Rampart.Delivery.Smtp;

/// <summary>
/// Recipient verification against the smart hosts ("RCPT callout"): the internal server is asked whether it
/// knows an address before the gateway accepts mail for it. Hosts are tried in priority order until one gives a
/// reply to RCPT. One short connection per question: answers are cached by the caller, so callouts are rare.
/// At most <see cref="CalloutSlots.Max"/> questions to one route are open at once, whoever asks: without the cap
/// one client could open a connection to the internal server per RCPT it sends.
/// </summary>
public sealed class SmtpCallout(IReadOnlyList<SmartHost> hosts, SmtpClientOptions client, MxResolver resolver, CalloutSlots slots)
{
    public string Describe => string.Join(", ", hosts);

    /// <summary>The reply to RCPT, or null and why when no host could be asked (none answered, or no free slot in time).</summary>
    public async Task<(SmtpReply? Reply, string? Error)> VerifyAsync(string address, CancellationToken ct)
    {
        if (!await slots.WaitAsync(ct))
        {
            return (null, $"all {slots.Max} callout connections to {Describe} stayed busy for {slots.MaxWait.TotalSeconds:0.#} s; not asked");
        }
        try
        {
            return await AskAsync(address, ct);
        }
        finally
        {
            slots.Release();
        }
    }

    private async Task<(SmtpReply? Reply, string? Error)> AskAsync(string address, CancellationToken ct)
    {
        string? error = null;
        foreach (var host in hosts.OrderBy(h => h.Priority))
        {
            var (addresses, dnsError) = await resolver.ResolveHostAsync(host.Host, ct);
            error ??= dnsError;
            foreach (var ip in addresses)
            {
                try
                {
                    await using var connection = await SmtpClientConnection.ConnectAsync(new IPEndPoint(ip, host.Port), host.Host, client, ct);
                    var reply = await connection.VerifyRecipientAsync(address, ct);
                    await connection.QuitAsync(ct);
                    return (reply, null);
                }
                catch (SmtpClientException ex)
                {
                    error = ex.Reply.ToString();
                }
            }
        }
        return (null, error ?? "no smart host address");
    }
}
