using Rampart.Mail;
using Rampart.Queue;

namespace Rampart.Delivery;

/// <summary>
/// One line of the routing table. Domains: exact names, ".example.test" for every sub-domain, "*" for any.
/// Listener and role narrow a rule to mail received on one listener or in one direction.
/// </summary>
public sealed record RoutingRule(IReadOnlyList<string> Domains, IRoute Route, string? Listener = null, ListenerRole? Role = null)
{
    public bool Matches(QueuedEnvelope envelope, Recipient recipient) =>
        (Listener is null || Listener == envelope.Listener)
        && (Role is null || Role == envelope.Role)
        && Domains.Any(d => DomainMatches(d, recipient.Domain));

    public static bool DomainMatches(string pattern, string domain) =>
        pattern == "*"
        || (pattern.StartsWith('.') && domain.EndsWith(pattern, StringComparison.OrdinalIgnoreCase))
        || pattern.Equals(domain, StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// The routing table: the first rule that matches wins; no match leaves the recipient queued. A message whose
/// envelope names a route (<see cref="QueuedEnvelope.Route"/>, a rule's "route through") takes that route for every
/// recipient, from <paramref name="routes"/> (every configured route, whether a rule names it or not); when no route
/// has that name any more (a reload removed it), none: the recipient stays queued, never sent by another route.
/// </summary>
public sealed class DomainRouter(IReadOnlyList<RoutingRule> rules, IReadOnlyDictionary<string, IRoute>? routes = null) : IRouter
{
    public IRoute? RouteFor(QueuedEnvelope envelope, Recipient recipient) =>
        envelope.Route is { } named ? Named(named)
        : rules.FirstOrDefault(r => r.Matches(envelope, recipient))?.Route;

    /// <summary>
    /// The route an override names: by its exact name, else the one route whose name differs only in case. The filter
    /// that sets the override (MessageContext.RouteThrough) cannot see the routes to refuse a miss at once, and a miss
    /// keeps the mail queued until it expires, so "Journal" finds route "journal". Route names are case-sensitive in
    /// the configuration (a routing rule must name its route exactly), so two routes may differ only in case: then an
    /// inexact name is ambiguous and finds none.
    /// </summary>
    private IRoute? Named(string name)
    {
        if (routes is null) return null;
        if (routes.TryGetValue(name, out var exact)) return exact;
        IRoute? found = null;
        foreach (var (key, route) in routes)
        {
            if (!key.Equals(name, StringComparison.OrdinalIgnoreCase)) continue;
            if (found is not null) return null;
            found = route;
        }
        return found;
    }
}
