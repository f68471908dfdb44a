namespace Rampart.Configuration.Sections;

/// <summary>recipients.callout: ask a route's smart hosts whether an address exists.</summary>
internal static class CalloutSection
{
    public static CalloutOptions? Read(Section? s, IReadOnlyList<RouteOptions> routes, CalloutCaps caps)
    {
        if (s is null) return null;
        var d = new CalloutOptions { Route = s.RequiredString("route") };
        var route = routes.FirstOrDefault(r => r.Name == d.Route) ?? throw s.Error("route", $"there is no route named '{d.Route}'");
        if (route.Transport != TransportKind.Smtp) throw s.Error("route", $"route '{d.Route}' has no smart hosts to ask (needs transport: smtp)");
        var callout = d with
        {
            PositiveTtl = s.Duration("positive_ttl", d.PositiveTtl, TimeSpan.Zero, TimeSpan.FromDays(30)),
            NegativeTtl = s.Duration("negative_ttl", d.NegativeTtl, TimeSpan.Zero, TimeSpan.FromDays(30)),
            Timeout = s.Duration("timeout", d.Timeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5)),
            MaxConcurrent = s.Int("max_concurrent", d.MaxConcurrent, 1, 1000),
            SlotWait = s.Duration("slot_wait", d.SlotWait, TimeSpan.Zero, TimeSpan.FromMinutes(5)),
        };
        caps.Claim(s, callout.Route, callout.MaxConcurrent);
        s.Finish();
        return callout;
    }
}

/// <summary>
/// The callout cap of each route, as the listeners read so far set it. The cap is the route's, shared by every
/// listener that asks it: two different numbers cannot both hold.
/// </summary>
internal sealed class CalloutCaps
{
    private readonly Dictionary<string, int> caps = new(StringComparer.Ordinal);

    public void Claim(Section callout, string route, int cap)
    {
        if (caps.TryGetValue(route, out int other) && other != cap)
        {
            throw callout.Error("max_concurrent", $"route '{route}' already has max_concurrent {other} from another listener's callout; the cap is per route");
        }
        caps[route] = cap;
    }
}
