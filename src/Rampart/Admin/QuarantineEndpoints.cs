using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
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
        .WithSummary("Quarantined messages, oldest first, with each one's reason; filters as /api/queue");

        api.MapGet("/quarantine/{id}", async (HttpContext http, string id) =>
        {
            if (QueueResultsHttp.Invalid(id) is { } invalid) return invalid;
            return await QueueEndpoints.Queue(gateway, http).ShowAsync(id, http.RequestAborted) is { Message.State: QueueStates.Quarantined } detail
                ? Results.Ok(detail)
                : QueueResultsHttp.Problem(new QueueActionResult(id, QueueResults.NotFound, "no quarantined message has this id"));
        })
        .WithSummary("One quarantined message: envelope, reason, header");

        api.MapPost("/quarantine/{id}/release", async (HttpContext http, string id, bool? unscanned) =>
        {
            if (QueueResultsHttp.Invalid(id) is { } invalid) return invalid;
            if (!Quarantined(gateway, id)) return NotQuarantined(id);
            return QueueResultsHttp.From(await QueueEndpoints.Queue(gateway, http).ReleaseAsync(id, unscanned ?? false, http.RequestAborted));
        })
        .WithSummary("Release a quarantined message to delivery, without the filters that held it (unscanned=true for one no scanner could scan)");

        api.MapDelete("/quarantine/{id}", async (HttpContext http, string id) =>
        {
            if (QueueResultsHttp.Invalid(id) is { } invalid) return invalid;
            if (!Quarantined(gateway, id)) return NotQuarantined(id);
            return QueueResultsHttp.From(await QueueEndpoints.Queue(gateway, http).DeleteAsync(id, http.RequestAborted));
        })
        .WithSummary("Delete a quarantined message for good, with no notice to anyone");
    }

    private static bool Quarantined(Gateway.Gateway gateway, string id) => new QuarantineStore(gateway.Queue.Root, gateway.Clock).Find(id) is not null;

    private static IResult NotQuarantined(string id) =>
        QueueResultsHttp.Problem(new QueueActionResult(id, QueueResults.NotFound, "no quarantined message has this id"));
}
