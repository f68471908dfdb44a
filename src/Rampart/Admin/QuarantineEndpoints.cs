using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Rampart.Queue.Quarantine;
using Rampart.QueueAdmin;

namespace Rampart.Admin;

/// <summary>
/// /api/quarantine: what `rampart quarantine` does, over the API: the messages filters held, one of them, its release
/// (the pickup watcher hands it to delivery within a second) and its delete. The same answers as /api/queue.
/// </summary>
public static class QuarantineEndpoints
{
    public static void Map(RouteGroupBuilder api, Gateway.Gateway gateway)
    {
        api.MapGet("/quarantine", async (HttpContext http, string? destination, string? sender, string? older_than, string? limit) =>
        {
            QueueFilter filter;
            try
            {
                filter = QueueFilter.Parse(destination, sender, older_than, QueueStates.Quarantined, limit);
            }
            catch (QueueFilterException ex)
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "bad filter", detail: ex.Message);
            }
            return Results.Ok(await QueueEndpoints.Queue(gateway, http).ListAsync(filter, http.RequestAborted));
        })
        .Only("destination", "sender", "older_than", "limit")
        .WithSummary("Quarantined messages, oldest first, with each one's reason; filters as /api/queue");

        api.MapGet("/quarantine/{id}", async (HttpContext http, string id) =>
        {
            if (QueueResultsHttp.Invalid(id) is { } invalid) return invalid;
            return await QueueEndpoints.Queue(gateway, http).ShowAsync(id, http.RequestAborted) is { Message.State: QueueStates.Quarantined } detail
                ? Results.Ok(detail)
                : QueueResultsHttp.Problem(new QueueActionResult(id, QueueResults.NotFound, "no quarantined message has this id"));
        })
        .Only()
        .WithSummary("One quarantined message: envelope, reason, header");

        api.MapPost("/quarantine/{id}/release", async (HttpContext http, string id, bool? unscanned) =>
        {
            if (QueueResultsHttp.Invalid(id) is { } invalid) return invalid;
            return await Quarantine(gateway, http).ReleaseAsync(id, unscanned ?? false, http.RequestAborted) is { } released
                ? QueueResultsHttp.From(released)
                : NotQuarantined(id);
        })
        .Only("unscanned")
        .WithSummary("Release a quarantined message to delivery, without the filters that held it (unscanned=true for one no scanner could scan)");

        api.MapDelete("/quarantine/{id}", (HttpContext http, string id) =>
        {
            if (QueueResultsHttp.Invalid(id) is { } invalid) return invalid;
            return Quarantine(gateway, http).Delete(id) is { } deleted ? QueueResultsHttp.From(deleted) : NotQuarantined(id);
        })
        .Only()
        .WithSummary("Delete a quarantined message for good, with no notice to anyone");
    }

    // The quarantine's own operations, never the queue's: a message a rescan released meanwhile is not touched in active/.
    private static QuarantineOperations Quarantine(Gateway.Gateway gateway, HttpContext http) =>
        new(new QuarantineStore(gateway.Queue.Root, gateway.Clock),
            http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Rampart.Queue.Admin"), QueueEndpoints.Caller(http));

    private static IResult NotQuarantined(string id) =>
        QueueResultsHttp.Problem(new QueueActionResult(id, QueueResults.NotFound, "no quarantined message has this id"));
}
