namespace Rampart.Policy.Relay;

/// <summary>How a domain is accepted, as Exchange models it.</summary>
public enum DomainType
{
    /// <summary>All its mailboxes are ours: recipients are validated (when sources are configured) before the 250.</summary>
    Authoritative,

    /// <summary>Some mailboxes live elsewhere (a partner, a migration): recipients pass to the smart host unvalidated.</summary>
    InternalRelay,
}

/// <summary>One accepted domain; with <see cref="Subdomains"/>, every name below it too (sub.example.test).</summary>
public sealed record AcceptedDomain(string Name, DomainType Type = DomainType.Authoritative, bool Subdomains = false)
{
    public override string ToString() =>
        Name + (Type == DomainType.InternalRelay ? " (internal relay)" : "") + (Subdomains ? " (and sub-domains)" : "");
}

/// <summary>
/// The organisation's domains. Matching is case-insensitive and exact, unless a domain says sub-domains match
/// too; an exact entry wins over a parent's sub-domain entry, so "sub.example.test" can differ in type.
/// Address literals ([192.0.2.1]) never match, so they cannot be used to relay.
/// </summary>
public sealed class AcceptedDomains
{
    private readonly Dictionary<string, AcceptedDomain> byName = new(StringComparer.OrdinalIgnoreCase);

    public AcceptedDomains(IEnumerable<AcceptedDomain> domains)
    {
        foreach (var d in domains) byName[d.Name.TrimEnd('.')] = d;
    }

    /// <summary>Plain names: authoritative, exact match.</summary>
    public AcceptedDomains(IEnumerable<string> domains) : this(domains.Select(d => new AcceptedDomain(d)))
    {
    }

    public bool Contains(string domain) => Find(domain) is not null;

    public IEnumerable<AcceptedDomain> All => byName.Values;

    /// <summary>The entry that accepts <paramref name="domain"/>: itself, else the nearest parent with sub-domains on.</summary>
    public AcceptedDomain? Find(string domain)
    {
        if (domain.Length == 0 || domain[0] == '[') return null;
        domain = domain.TrimEnd('.');
        if (byName.TryGetValue(domain, out var exact)) return exact;
        for (int dot = domain.IndexOf('.'); dot >= 0; dot = domain.IndexOf('.', dot + 1))
        {
            if (byName.TryGetValue(domain[(dot + 1)..], out var parent) && parent.Subdomains) return parent;
        }
        return null;
    }
}
