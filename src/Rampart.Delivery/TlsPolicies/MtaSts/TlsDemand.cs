using MimeKit;
using Rampart.Queue;

namespace Rampart.Delivery.TlsPolicies.MtaSts;

/// <summary>What one message asks of the TLS to its next hop (RFC 8689).</summary>
public enum TlsDemand
{
    /// <summary>As the route and the recipient domain's policy say.</summary>
    AsPolicy,
    /// <summary>"TLS-Required: No" (§4.1): the domain's MTA-STS or DANE policy is set aside; the route's TLS still applies.</summary>
    PolicyWaived,
    /// <summary>REQUIRETLS (§4.2.1): a verified certificate and a next hop that offers REQUIRETLS, or no delivery.</summary>
    Required,
}

internal static class TlsDemands
{
    /// <summary>
    /// REQUIRETLS from the envelope; "TLS-Required: No" from the header, read only when a policy could be waived
    /// (MimeKit reads the header block and stops). §4.1: with REQUIRETLS the header field is ignored.
    /// </summary>
    public static async Task<TlsDemand> OfAsync(QueuedMessage message, bool policyMayApply, CancellationToken ct)
    {
        // §4.2.1 fails only a message with a return path: a bounce (null sender) is never refused for REQUIRETLS. It
        // still carries the parameter to a next hop that offers it (EnvelopeCommands), else goes as the policy says.
        if (message.Envelope.Sender is { RequireTls: true, IsNullSender: false }) return TlsDemand.Required;
        if (!policyMayApply) return TlsDemand.AsPolicy;
        await using var content = message.OpenContent();
        HeaderList headers;
        try
        {
            headers = await HeaderList.LoadAsync(content, ct);
        }
        catch (FormatException)
        {
            return TlsDemand.AsPolicy;
        }
        // §4.1: the field is "TLS-Required: No", case-insensitive; any other value, or two fields, changes nothing.
        var fields = headers.Where(h => h.Field.Equals("TLS-Required", StringComparison.OrdinalIgnoreCase)).ToList();
        return fields.Count == 1 && fields[0].Value.Trim().Equals("No", StringComparison.OrdinalIgnoreCase)
            ? TlsDemand.PolicyWaived
            : TlsDemand.AsPolicy;
    }
}
