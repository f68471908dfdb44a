namespace Rampart.Policy.Senders;

/// <summary>
/// Sender addresses as an administrator writes them: "user@domain" for one address, "domain" or "@domain"
/// for a whole domain, ".domain" for its sub-domains. Case-insensitive.
/// </summary>
public sealed class SenderPatterns
{
    private readonly HashSet<string> addresses = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> domains = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> parents = [];

    public SenderPatterns(IEnumerable<string> patterns)
    {
        foreach (var p in patterns)
        {
            if (p.StartsWith('.')) parents.Add(p);
            else if (p.StartsWith('@')) domains.Add(p[1..]);
            else if (p.Contains('@')) addresses.Add(p);
            else domains.Add(p);
        }
    }

    public bool Matches(string address)
    {
        if (address.Length == 0) return false;
        if (addresses.Contains(address)) return true;
        var domain = address[(address.LastIndexOf('@') + 1)..].TrimEnd('.');
        return domains.Contains(domain) || parents.Any(p => domain.EndsWith(p, StringComparison.OrdinalIgnoreCase));
    }
}
