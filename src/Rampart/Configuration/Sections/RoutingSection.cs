using Rampart.Smtp.Protocol;

namespace Rampart.Configuration.Sections;

/// <summary>routing: the ordered rules that pick each recipient's route, by domain, optionally narrowed to a listener or a direction.</summary>
internal static class RoutingSection
{
    /// <param name="options">The configuration so far: a rule names a route and may name a listener.</param>
    public static List<RoutingRuleOptions> Read(Section root, GatewayOptions options)
    {
        var rules = new List<RoutingRuleOptions>();
        foreach (var s in root.Items("routing"))
        {
            var domains = s.List("domains");
            if (domains.Count == 0) throw s.Error("domains", "is required (use \"*\" for every other domain)");
            foreach (var domain in domains)
            {
                if (domain != "*" && !AddressParser.IsDomain(domain.TrimStart('.'))) throw s.Error("domains", $"'{domain}' is not a domain name, \".domain\" or \"*\"");
            }
            var route = s.RequiredString("route");
            if (options.Routes.All(r => r.Name != route))
            {
                throw s.Error("route", $"there is no route named '{route}' (routes: {string.Join(", ", options.Routes.Select(r => r.Name))})");
            }
            var listener = s.String("listener");
            if (listener is not null && options.Listeners.All(l => l.Name != listener))
            {
                throw s.Error("listener", $"there is no listener named '{listener}'");
            }
            var role = s.OptionalChoice("role", ListenersSection.Roles);
            s.Finish();
            rules.Add(new RoutingRuleOptions(domains, route, listener, role));
        }
        return rules;
    }
}
