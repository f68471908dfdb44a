using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Rampart.QueueAdmin;

namespace Rampart.Admin;

/// <summary>
/// /api/queue: what `rampart queue` does on a running gateway (mailq, postqueue -f/-s, postsuper -h/-H/-d), through
/// <see cref="LiveQueue"/>. An id is checked (QueueId: 26 characters of Crockford base32) before any file is touched:
/// 400 otherwise; 404 when no queued or quarantined message has it; 409 when the message's state forbids the change
/// (under way, held, not held, never scanned); 202 for a delete that waits for the attempt under way. A query
/// parameter a route does not know, or one given twice, is 400 (<see cref="QueryParameters"/>). A refusal is a
/// problem whose title is the result code (`in-flight`, `not-found`...) and whose detail says why.
/// </summary>
public static class QueueEndpoints
{
    public static void Map(RouteGroupBuilder api, Gateway.Gateway gateway)
    {
        api.MapGet("/queue", async (HttpContext http, string? destination, string? sender, string? older_than, string? state, string? limit) =>
        {
            QueueFilter filter;
            try
            {
                filter = QueueFilter.Parse(destination, sender, older_than, state, limit);
            }
            catch (QueueFilterException ex)
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "bad filter", detail: ex.Message);
            }
            return Results.Ok(await Queue(gateway, http).ListAsync(filter, http.RequestAborted));
        })
        .Only("destination", "sender", "older_than", "state", "limit")
        .WithSummary("Queued and quarantined messages, oldest first; filters: destination (domain), sender (part of the address), older_than (2h), state (active, deferred, held, quarantined), limit");

        api.MapGet("/queue/{id}", async (HttpContext http, string id) =>
            QueueResultsHttp.Invalid(id) ?? (await Queue(gateway, http).ShowAsync(id, http.RequestAborted) is { } detail
                ? Results.Ok(detail)
                : QueueResultsHttp.Problem(QueueReading.NotFound(id))))
        .Only()
        .WithSummary("One queued or quarantined message: envelope, each recipient's state and last reply, header");

        api.MapPost("/queue/flush", async (HttpContext http, string? destination) =>
        {
            if (destination is not null)
            {
                try
                {
                    // Flushed as the list filter reads it (example.test. is example.test), not as typed.
                    destination = QueueFilter.Parse(destination, null, null, null, null).Destination;
                }
                catch (QueueFilterException ex)
                {
                    return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "bad destination", detail: ex.Message);
                }
            }
            return Results.Ok(await Queue(gateway, http).FlushAsync(destination, http.RequestAborted));
        })
        .AfterRecovery(gateway)
        .Only("destination")
        .WithSummary("Attempt every waiting message now (postqueue -f), or those with a recipient in one domain (destination, postqueue -s); held messages stay held");

        api.MapPost("/queue/{id}/retry", async (HttpContext http, string id) =>
            QueueResultsHttp.From(await Queue(gateway, http).RetryAsync(id, http.RequestAborted)))
        .AfterRecovery(gateway)
        .Only()
        .WithSummary("Attempt one message now; 409 while an attempt of it is under way or while it is held");

        api.MapPost("/queue/{id}/hold", async (HttpContext http, string id) =>
            QueueResultsHttp.From(await Queue(gateway, http).HoldAsync(id, http.RequestAborted)))
        .AfterRecovery(gateway)
        .Only()
        .WithSummary("Hold a message (postsuper -h): kept, never attempted, across restarts, until released");

        api.MapPost("/queue/{id}/release", async (HttpContext http, string id, bool? unscanned) =>
            QueueResultsHttp.From(await Queue(gateway, http).ReleaseAsync(id, unscanned ?? false, http.RequestAborted)))
        .AfterRecovery(gateway)
        .Only("unscanned")
        .WithSummary("Release a held message into its retry schedule (postsuper -H); a quarantined one to delivery (unscanned=true for one no scanner could scan)");

        api.MapDelete("/queue/{id}", async (HttpContext http, string id) =>
            QueueResultsHttp.From(await Queue(gateway, http).DeleteAsync(id, http.RequestAborted)))
        .AfterRecovery(gateway)
        .Only()
        .WithSummary("Delete a message with no notice to anyone (postsuper -d); 202 when an attempt is under way: held now, deleted when it ends");
    }

    /// <summary>
    /// A change to the queue waits for start-up recovery: until the spool has been read, the queue it would change is
    /// not known (a message deleted under recovery's listing, a hold marker half written).
    /// </summary>
    private static RouteHandlerBuilder AfterRecovery(this RouteHandlerBuilder route, Gateway.Gateway gateway) =>
        route.AddEndpointFilter(async (context, next) => gateway.Recovery.IsCompleted
            ? await next(context)
            : Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "recovering",
                detail: "the gateway is still reading its queue after start-up; try again in a few seconds"));

    internal static LiveQueue Queue(Gateway.Gateway gateway, HttpContext http) =>
        new(gateway.Queue, gateway.Delivery, http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Rampart.Queue.Admin"),
            gateway.Clock, Caller(http));

    /// <summary>Who asked, for the log: the API and the client's address (the audit line has the rest).</summary>
    internal static string Caller(HttpContext http) => $"admin api ({http.Connection.RemoteIpAddress}:{http.Connection.RemotePort})";
}

/// <summary>An operation's result as an HTTP answer.</summary>
internal static class QueueResultsHttp
{
    public static IResult? Invalid(string id) => QueueReading.Invalid(id) is { } invalid ? Problem(invalid) : null;

    public static IResult From(QueueActionResult result) => result.Result switch
    {
        QueueResults.DeletePending => Results.Accepted(value: result),
        _ when QueueResults.Succeeded(result.Result) => Results.Ok(result),
        _ => Problem(result),
    };

    public static IResult Problem(QueueActionResult result) => Results.Problem(
        statusCode: result.Result switch
        {
            QueueResults.InvalidId => StatusCodes.Status400BadRequest,
            QueueResults.NotFound => StatusCodes.Status404NotFound,
            _ => StatusCodes.Status409Conflict,
        },
        title: result.Result,
        detail: result.Detail,
        extensions: new Dictionary<string, object?> { ["id"] = result.Id, ["result"] = result.Result });
}
