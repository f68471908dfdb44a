namespace Rampart.Policy.Relay;

/// <summary>
/// The organisation's domains. Matching is exact and case-insensitive: "example.test" does not
/// accept "sub.example.test" unless listed (sub-domain matching is a later, explicit option).
/// Address literals ([192.0.2.1]) never match, so they cannot be used to relay.
/// </summary>
public sealed class AcceptedDomains(IEnumerable<string> domains)
{
    private readonly HashSet<string> set = new(domains.Select(d => d.TrimEnd('.')), StringComparer.OrdinalIgnoreCase);

    public bool Contains(string domain) => domain.Length > 0 && domain[0] != '[' && set.Contains(domain);
}
