using System.Net;
using Rampart.Commands.Admin;
using Rampart.QueueAdmin;

namespace Rampart.Commands.Queue;

/// <summary>
/// The queue operations of a running gateway seen from `rampart queue`: /api/queue over its admin API. A refusal comes
/// back as a problem whose title is the result code (QueueEndpoints), turned into the same result a stopped gateway's
/// files would give, so the table and `--json` read alike on both sides.
/// </summary>
internal sealed class RemoteQueue(AdminClient client) : IQueueOperations
{
    public Task<QueueListing> ListAsync(QueueFilter filter, CancellationToken ct) => client.GetAsync<QueueListing>("api/queue" + filter.ToQuery(), ct);

    public async Task<QueueMessageDetail?> ShowAsync(string id, CancellationToken ct)
    {
        try
        {
            return await client.GetAsync<QueueMessageDetail>(Path(id), ct);
        }
        catch (AdminCallException ex) when (ex.Status is HttpStatusCode.NotFound or HttpStatusCode.BadRequest)
        {
            return null;
        }
    }

    public Task<FlushResult> FlushAsync(string? destination, CancellationToken ct) =>
        client.PostAsync<FlushResult>("api/queue/flush" + (destination is null ? "" : "?destination=" + Uri.EscapeDataString(destination)), ct);

    public Task<QueueActionResult> RetryAsync(string id, CancellationToken ct) => Call(id, () => client.PostAsync<QueueActionResult>(Path(id) + "/retry", ct));

    public Task<QueueActionResult> HoldAsync(string id, CancellationToken ct) => Call(id, () => client.PostAsync<QueueActionResult>(Path(id) + "/hold", ct));

    public Task<QueueActionResult> ReleaseAsync(string id, bool unscanned, CancellationToken ct) =>
        Call(id, () => client.PostAsync<QueueActionResult>(Path(id) + "/release" + (unscanned ? "?unscanned=true" : ""), ct));

    public Task<QueueActionResult> DeleteAsync(string id, CancellationToken ct) => Call(id, () => client.DeleteAsync<QueueActionResult>(Path(id), ct));

    // Checked here too: an id that is not one never reaches the URL (where "../" could climb out of /api/queue/).
    private static string Path(string id) => "api/queue/" + Uri.EscapeDataString(id);

    private static async Task<QueueActionResult> Call(string id, Func<Task<QueueActionResult>> call)
    {
        if (QueueReading.Invalid(id) is { } invalid) return invalid;
        try
        {
            return await call();
        }
        catch (AdminCallException ex) when (ex.Status is HttpStatusCode.NotFound or HttpStatusCode.BadRequest or HttpStatusCode.Conflict)
        {
            return FromProblem(id, ex);
        }
    }

    /// <summary>The problem's title (a result code such as "in-flight") and detail back into the verb's result.</summary>
    private static QueueActionResult FromProblem(string id, AdminCallException ex) =>
        ex.Title is { } title && title.Length > 0 && title.All(c => char.IsAsciiLetterLower(c) || c == '-')
            ? new QueueActionResult(id, title, ex.Detail)
            : new QueueActionResult(id, ex.Status == HttpStatusCode.NotFound ? QueueResults.NotFound : "refused", ex.Message);
}
