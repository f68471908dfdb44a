using System.Globalization;
using Rampart.Policy.SenderAuth;

namespace Rampart.Configuration.Sections;

/// <summary>
/// A listener's DKIM, ARC and DMARC checks and its Authentication-Results field (<c>sender_auth:</c>). Present (even
/// empty: <c>sender_auth: {}</c>) turns them on with the defaults of <see cref="SenderAuthOptions"/>.
/// </summary>
internal static class SenderAuthSection
{
    public static SenderAuthOptions? Read(Section? s)
    {
        if (s is null) return null;
        var d = new SenderAuthOptions();
        var id = s.String("authserv_id");
        if (id is not null && AsciiDomain(id) is null) throw s.Error("authserv_id", $"'{id}' is not a host name (letters, digits, hyphens and dots): the id readers' mail clients compare");
        var forwarders = new List<string>();
        foreach (var name in s.List("trusted_forwarders"))
        {
            forwarders.Add(AsciiDomain(name)
                ?? throw s.Error("trusted_forwarders", $"'{name}' is not a domain name (the d= of the forwarder's ARC-Seal, e.g. lists.example.org)"));
        }
        var options = d with
        {
            AuthservId = id?.TrimEnd('.').ToLowerInvariant(),
            TrustedForwarders = forwarders,
            OnReject = s.Choice("dmarc_reject", d.OnReject, ("reject", DmarcRejectAction.Reject), ("quarantine", DmarcRejectAction.Quarantine)),
            OnQuarantine = s.Choice("dmarc_quarantine", d.OnQuarantine, ("quarantine", DmarcQuarantineAction.Quarantine), ("accept", DmarcQuarantineAction.Accept)),
            MaxSignatures = s.Int("max_signatures", d.MaxSignatures, 1, 20),
            CheckOutbound = s.Bool("check_outbound", d.CheckOutbound),
        };
        s.Finish();
        return options;
    }

    /// <summary>The name in lower-case A-labels, as ARC-Seal d= values compare; null when it is not a domain name.</summary>
    private static string? AsciiDomain(string name)
    {
        try
        {
            var ascii = new IdnMapping { UseStd3AsciiRules = true }.GetAscii(name.TrimEnd('.')).ToLowerInvariant();
            return ascii.Length <= 253 && ascii.Split('.').All(l => l.Length is > 0 and <= 63) ? ascii : null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
