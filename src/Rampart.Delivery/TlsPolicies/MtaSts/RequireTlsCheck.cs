using Microsoft.Extensions.Logging;
using Rampart.Delivery.Smtp;
using Rampart.Mail;

namespace Rampart.Delivery.TlsPolicies.MtaSts;

/// <summary>
/// RFC 8689 §4.2.1: a REQUIRETLS message goes only over TLS whose certificate was verified for a host the recipient
/// domain vouches for (MTA-STS or DANE; toward smart hosts, a route with tls: verified), to a
/// next hop that offers REQUIRETLS. Otherwise its recipients fail with 5.7.30 and the sender gets a notice
/// (headers only, §5): retrying cannot make a host offer what it lacks.
/// </summary>
internal static class RequireTlsCheck
{
    public static SmtpReply? Unmet(SmtpClientConnection connection, HostTarget host, bool verified, string queueId, ILogger logger)
    {
        string? reason = null;
        if (connection.TlsProtocol is null || !verified)
        {
            reason = "no TLS with a certificate verified for a host MTA-STS or DANE vouches for (or, toward smart hosts, tls: verified)";
        }
        else if (!connection.Capabilities.RequireTls)
        {
            reason = "the next hop does not offer REQUIRETLS";
        }
        if (reason is null) return null;
        MtaStsLog.RequireTlsUnmet(logger, queueId, host.ToString(), reason);
        return new SmtpReply(550, new EnhancedStatusCode(5, 7, 30), $"REQUIRETLS support required: {host}: {reason}");
    }
}
