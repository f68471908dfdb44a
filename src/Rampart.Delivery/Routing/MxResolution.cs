using System.Net;
using Rampart.Mail;

namespace Rampart.Delivery.Routing;

/// <summary>
/// The outcome of resolving where mail for a domain goes. A closed hierarchy so the caller's switch covers
/// every case: the queue needs to know whether to try now, retry later, or bounce.
/// </summary>
public abstract record MxResolution
{
    private MxResolution()
    {
    }

    /// <summary>Hosts in the order delivery must try them (RFC 5321 §5.1), each with at least one address.</summary>
    public sealed record Hosts(IReadOnlyList<MxHost> InOrder) : MxResolution;

    /// <summary>The domain cannot receive mail (NXDOMAIN, null MX): bounce now, retrying cannot help.</summary>
    public sealed record PermanentFailure(SmtpReply Reason) : MxResolution;

    /// <summary>DNS could not answer (SERVFAIL, timeout) or no MX host has an address yet: keep the mail queued.</summary>
    public sealed record TemporaryFailure(SmtpReply Reason) : MxResolution;
}

/// <summary>
/// One delivery target. <paramref name="Name"/> has no trailing dot. <paramref name="Implicit"/> is true when the
/// domain had no MX and its own address records stand in for one (RFC 5321 §5.1), or for an address literal.
/// </summary>
public sealed record MxHost(string Name, int Preference, IReadOnlyList<IPAddress> Addresses, bool Implicit = false);
