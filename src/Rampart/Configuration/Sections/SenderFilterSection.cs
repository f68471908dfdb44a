using Rampart.Mail;
using Rampart.Smtp.Protocol;

namespace Rampart.Configuration.Sections;

/// <summary>A listener's sender_filter: blocked senders, and (inbound) outsiders claiming our own domains.</summary>
internal static class SenderFilterSection
{
    public static SenderFilterOptions Read(Section? s, ListenerRole role)
    {
        var d = SenderFilterOptions.For(role);
        if (s is null) return d;
        var block = s.List("block");
        foreach (var pattern in block)
        {
            var domain = pattern.Contains('@') ? pattern[(pattern.LastIndexOf('@') + 1)..] : pattern.TrimStart('.');
            bool ok = pattern.Contains('@') && !pattern.StartsWith('@') ? AddressParser.IsMailbox(pattern) : AddressParser.IsDomain(domain);
            if (!ok) throw s.Error("block", $"'{pattern}' is not an address, a domain, \"@domain\" or \".domain\"");
        }
        var options = d with
        {
            Block = block,
            RefuseOwnDomains = s.Bool("refuse_own_domains", d.RefuseOwnDomains),
            OwnDomainsFrom = s.Networks("own_domains_from"),
        };
        if (options.RefuseOwnDomains && role != ListenerRole.Inbound)
        {
            throw s.Error("refuse_own_domains", "applies to inbound listeners only: inside senders use our domains by right");
        }
        s.Finish();
        return options;
    }
}
