using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Rampart.Tracking;

namespace Rampart.Admin;

/// <summary>
/// /api/tracking (search the events of messages) and /api/stats (what flowed, by direction, per hour and day, with the
/// top senders, recipients and refusal reasons). The query's names by <see cref="QueryParameters"/>, every value by
/// <see cref="TrackingRequest"/> (400 with the reason otherwise) and reaches the store only as a parameter of its SQL.
/// </summary>
public static class TrackingEndpoints
{
    private static readonly string[] SearchParameters = ["sender", "recipient", "message_id", "queue_id", "client", "event", "since", "until", "limit"];
    private static readonly string[] StatsParameters = ["days", "top"];

    public static void Map(RouteGroupBuilder api, Gateway.Gateway gateway)
    {
        api.MapGet("/tracking", async (HttpRequest request, CancellationToken ct) =>
        {
            if (gateway.Tracking is not { } store) return Off();
            if (QueryParameters.Problem(request, SearchParameters) is { } bad) return BadRequest(bad);
            string? Q(string name) => QueryParameters.Value(request, name);
            var (query, problem) = TrackingRequest.Parse(Q("sender"), Q("recipient"), Q("message_id"), Q("queue_id"), Q("client"), Q("event"),
                Q("since"), Q("until"), Q("limit"), gateway.Clock.GetUtcNow());
            if (query is null) return BadRequest(problem!);
            return Results.Ok(TrackingViews.Of(await store.SearchAsync(query, ct)));
        })
        .WithSummary("Message tracking: events matching sender, recipient (whole address or @domain, any case), message_id, queue_id " +
            "(Rampart's or the next hop's), client, event (RECEIVE, REJECT, ...), since/until (ISO 8601 or an age: 2h, 7d) and limit " +
            "(default 100, at most 10000), with every other event of the messages found");

        api.MapGet("/stats", async (HttpRequest request, CancellationToken ct) =>
        {
            if (gateway.Tracking is not { } store) return Off();
            if (QueryParameters.Problem(request, StatsParameters) is { } bad) return BadRequest(bad);
            var (since, until, top, problem) = TrackingRequest.ParseStats(QueryParameters.Value(request, "days"), QueryParameters.Value(request, "top"),
                gateway.Clock.GetUtcNow());
            if (problem is not null) return BadRequest(problem);
            return Results.Ok(TrackingViews.Of(await store.StatsAsync(since, until, top, ct)));
        })
        .WithSummary("Inbound and outbound messages, bytes, recipients, refusals and delivery outcomes over the last days (default 1, " +
            "at most 366), per hour and per day, with the top senders, recipients and refusal reasons (top, default 10)");
    }

    private static IResult BadRequest(string problem) =>
        Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "bad tracking request", detail: problem);

    private static IResult Off() =>
        Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "message tracking is off (tracking.enabled: false, or its database could not be opened at start: see the log, event 6306)");
}
