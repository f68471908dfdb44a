using Rampart.Mail;

namespace Rampart.Delivery.Routing;

/// <summary>
/// Why a domain's hosts could not be found: the reply the bounce or deferral shows. Enhanced codes are from RFC 3463
/// unless noted.
/// </summary>
internal static class RoutingReplies
{
    /// <summary>RFC 7505 §4.2 gives 5.1.10 for a null MX.</summary>
    public static readonly SmtpReply NullMx = new(556, "5.1.10", "Recipient domain does not accept mail (null MX, RFC 7505)");

    public static SmtpReply NoSuchDomain(string name) => new(550, "5.1.2", $"Recipient domain does not exist ({name})");

    public static SmtpReply NoAddress(string name) => new(550, "5.1.2", $"Recipient domain has no MX and no address records ({name})");

    public static SmtpReply BadLiteral(string domain) => new(550, "5.1.3", $"Bad address literal ({domain})");

    public static SmtpReply DnsFailure(string error) => new(451, "4.4.3", $"DNS lookup failed ({error})");

    public static SmtpReply NoReachableMx(string name) => new(451, "4.4.4", $"No MX host of the recipient domain has an address ({name})");
}
