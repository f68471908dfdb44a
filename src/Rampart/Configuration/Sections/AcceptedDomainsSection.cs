using Rampart.Policy.Relay;
using Rampart.Smtp.Protocol;

namespace Rampart.Configuration.Sections;

/// <summary>A listener's accepted_domains: plain names (authoritative, exact) or sections {domain, type, subdomains}, mixed freely.</summary>
internal static class AcceptedDomainsSection
{
    public static List<AcceptedDomain> Read(Section listener)
    {
        var domains = new List<AcceptedDomain>();
        foreach (var item in listener.Entries("accepted_domains"))
        {
            AcceptedDomain domain;
            if (item.Section is not { } s)
            {
                if (item.Value!.Length == 0) continue;
                if (!AddressParser.IsDomain(item.Value)) throw listener.Error("accepted_domains", $"'{item.Value}' is not a domain name");
                domain = new AcceptedDomain(item.Value);
            }
            else
            {
                var name = s.RequiredString("domain");
                if (!AddressParser.IsDomain(name)) throw s.Error("domain", $"'{name}' is not a domain name");
                var d = new AcceptedDomain(name);
                domain = d with
                {
                    Type = s.Choice("type", d.Type, ("authoritative", DomainType.Authoritative), ("internal_relay", DomainType.InternalRelay)),
                    Subdomains = s.Bool("subdomains", d.Subdomains),
                };
                s.Finish();
            }
            if (domains.Any(d => d.Name.Equals(domain.Name, StringComparison.OrdinalIgnoreCase)))
            {
                throw item.Error($"'{domain.Name}' is listed twice");
            }
            domains.Add(domain);
        }
        return domains;
    }
}
