using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Rampart.Tracking;

namespace Rampart.Admin;

/// <summary>
/// /api/tracking (search the events of messages) and /api/stats (what flowed, by direction, per hour and day, with the
/// top senders, recipients and refusal reasons). Every parameter is checked by <see cref="TrackingRequest"/> (400 with
/// the reason otherwise) and reaches the store only as a parameter of its SQL.
/// </summary>
public static class TrackingEndpoints
{
    /// <summary>More than this many characters of query string is no search anyone meant.</summary>
    private const int MaxQueryString = 8192;

    public static void Map(RouteGroupBuilder api, Gateway.Gateway gateway)
    {
        api.MapGet("/tracking", async (HttpRequest request, CancellationToken ct) =>
        {
            if (gateway.Tracking is not { } store) return Off();
            if (Read(request, ["sender", "recipient", "message_id", "queue_id", "client", "event", "since", "until", "limit"]) is not { } q)
            {
                return BadRequest("unknown parameter, parameter given twice, or a query string over 8192 characters");
            }
            var (query, problem) = TrackingRequest.Parse(q["sender"], q["recipient"], q["message_id"], q["queue_id"], q["client"], q["event"],
                q["since"], q["until"], q["limit"], gateway.Clock.GetUtcNow());
            if (query is null) return BadRequest(problem!);
            return Results.Ok(TrackingViews.Of(await store.SearchAsync(query, ct)));
        })
        .WithSummary("Message tracking: events matching sender, recipient (whole address or @domain, any case), message_id, queue_id " +
            "(Rampart's or the next hop's), client, event (RECEIVE, REJECT, ...), since/until (ISO 8601 or an age: 2h, 7d) and limit " +
            "(default 100, at most 10000), with every other event of the messages found");

        api.MapGet("/stats", async (HttpRequest request, CancellationToken ct) =>
        {
            if (gateway.Tracking is not { } store) return Off();
            if (Read(request, ["days", "top"]) is not { } q) return BadRequest("unknown parameter or parameter given twice");
            var (since, until, top, problem) = TrackingRequest.ParseStats(q["days"], q["top"], gateway.Clock.GetUtcNow());
            if (problem is not null) return BadRequest(problem);
            return Results.Ok(TrackingViews.Of(await store.StatsAsync(since, until, top, ct)));
        })
        .WithSummary("Inbound and outbound messages, bytes, recipients, refusals and delivery outcomes over the last days (default 1, " +
            "at most 366), per hour and per day, with the top senders, recipients and refusal reasons (top, default 10)");
    }

    /// <summary>The known parameters, each at most once; an unknown one is an error too, so a misspelt filter never widens a search.</summary>
    private static Dictionary<string, string?>? Read(HttpRequest request, string[] names)
    {
        if (request.QueryString.Value is { Length: > MaxQueryString }) return null;
        var values = names.ToDictionary(n => n, _ => (string?)null);
        foreach (var (key, value) in request.Query)
        {
            if (!values.ContainsKey(key) || value.Count != 1) return null;
            values[key] = value[0];
        }
        return values;
    }

    private static IResult BadRequest(string problem) =>
        Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "bad tracking request", detail: problem);

    private static IResult Off() =>
        Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "message tracking is off (tracking.enabled: false, or its database could not be opened at start: see the log, event 6306)");
}
