using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Rampart.Configuration;

namespace Rampart.Admin;

/// <summary>/api/version, /api/config and /api/config/reload: what runs, from which file, and a reload as SIGHUP does it.</summary>
public static class SystemEndpoints
{
    public sealed record VersionView(string Version, string Hostname, DateTimeOffset StartedAt, string DataDir, string Source);

    public sealed record ListenerView(string Name, string Role, string EndPoint, IReadOnlyList<string> AcceptedDomains,
        IReadOnlyList<string> RelayNetworks, IReadOnlyList<string> AuthMechanisms, IReadOnlyList<string> Checks);

    public sealed record RouteView(string Name, string Transport, IReadOnlyList<string> Hosts, string? Path);

    public sealed record RoutingView(IReadOnlyList<string> Domains, string? Listener, string? Role, string Route);

    public sealed record ConfigView(string Source, string Hostname, string DataDir, IReadOnlyList<ListenerView> Listeners,
        IReadOnlyList<RouteView> Routes, IReadOnlyList<RoutingView> Routing, IReadOnlyList<string> Warnings);

    public sealed record ReloadView(bool Applied, string Source);

    public static void Map(RouteGroupBuilder api, Gateway.Gateway gateway)
    {
        api.MapGet("/version", () => new VersionView(VersionText.Current, gateway.Options.HostName, gateway.StartedAt,
            gateway.Options.DataDir, gateway.Options.Source))
            .WithSummary("Version, host name, start time and data folder of the running gateway");

        api.MapGet("/config", () => Describe(gateway.RunningOptions))
            .WithSummary("The configuration in force (after reloads): listeners with their checks, routes, routing rules");

        api.MapPost("/config/reload", async () =>
        {
            if (gateway.Reloader is not { } reloader)
            {
                return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "the gateway is not ready to reload yet");
            }
            var applied = await reloader.ReloadAsync();
            var view = new ReloadView(applied, gateway.Options.Source);
            return applied ? Results.Ok(view) : Results.UnprocessableEntity(view);
        })
        .WithSummary("Reread the configuration file as SIGHUP does; 422 when the file is refused (the log says why)");
    }

    private static ConfigView Describe(GatewayOptions o) => new(
        o.Source, o.HostName, o.DataDir,
        [.. o.Listeners.Select(l => new ListenerView(l.Name, l.Role.ToString().ToLowerInvariant(), l.EndPoint.ToString(),
            [.. l.AcceptedDomains.Select(d => d.ToString())], [.. l.RelayNetworks.Select(n => n.ToString())],
            [.. (l.Auth?.Mechanisms ?? []).Select(m => m.ToString())], [.. Gateway.ListenerFilters.NamesFor(l, o.Scoring, o.DkimSigning, o.HeaderHygiene)]))],
        [.. o.Routes.Select(r => new RouteView(r.Name, r.Transport.ToString().ToLowerInvariant(),
            [.. r.Hosts.OrderBy(h => h.Priority).Select(h => h.ToString())], r.Path))],
        [.. o.Routing.Select(r => new RoutingView([.. r.Domains], r.Listener, r.Role?.ToString().ToLowerInvariant(), r.Route))],
        [.. o.Warnings]);
}
