using System.CommandLine;
using Rampart.Admin;
using Rampart.Commands.Admin;
using Rampart.Configuration;
using Rampart.Tracking;

namespace Rampart.Commands;

/// <summary>
/// `rampart track`: message tracking's searches, through the admin API when the gateway runs, straight on
/// data_dir/tracking.db (read-only) when it is stopped; the same answer either way. Exit codes (those of every
/// operations verb, <see cref="OperationsBackend"/>): 0 done (found or not), 1 the gateway refused or failed the call,
/// 2 bad configuration or arguments, or a data folder this user cannot read, 3 the gateway's API did not answer as it should.
/// </summary>
public static class TrackCommand
{
    private static readonly (string Name, string Parameter, string Description)[] Filters =
    [
        ("--sender", "sender", "Envelope sender: a whole address (any case) or @domain"),
        ("--recipient", "recipient", "Recipient: a whole address (any case) or @domain"),
        ("--message-id", "message_id", "The Message-ID header's value, with or without its angle brackets"),
        ("--queue-id", "queue_id", "Rampart's queue id, or the one the next hop gave the message"),
        ("--client", "client", "The client's IP address"),
        ("--event", "event", "One event: RECEIVE, REJECT, DEFER, FILTER, QUARANTINE, RELEASE, HOLD, ROUTE, DELIVER, FAIL, BOUNCE, EXPIRE, DELETE"),
        ("--since", "since", "From this time (ISO 8601, UTC unless an offset is given) or age (90m, 2h, 7d)"),
        ("--until", "until", "Before this time or age"),
        ("--limit", "limit", $"At most this many matching events (default {TrackingQuery.DefaultLimit}, at most {TrackingQuery.MaxLimit})"),
    ];

    public static Command Create()
    {
        var options = Filters.Select(f => new Option<string?>(f.Name) { Description = f.Description }).ToList();
        var command = new Command("track", "Find messages and show every event of each (received, filtered, routed, delivered with the next hop's queue id...)")
        {
            RampartCommandLine.ConfigOption, CliOutput.JsonOption,
        };
        foreach (var o in options) command.Options.Add(o);
        command.SetAction(async (result, ct) =>
        {
            if (ConfigOutput.LoadOrReport(result.GetValue(RampartCommandLine.ConfigOption)) is not { } config) return 2;
            var given = Filters.Zip(options).Select(p => (p.First.Parameter, Value: result.GetValue(p.Second)))
                .Where(p => p.Value is not null).ToDictionary(p => p.Parameter, p => p.Value);
            string? V(string name) => given.GetValueOrDefault(name);
            // Checked here too, so the stopped and the running gateway refuse the same arguments with the same words.
            var (query, problem) = TrackingRequest.Parse(V("sender"), V("recipient"), V("message_id"), V("queue_id"), V("client"), V("event"),
                V("since"), V("until"), V("limit"), TimeProvider.System.GetUtcNow());
            if (query is null) return ConfigOutput.Fail(2, problem!);
            // The choice of API or data folder, its refusals and exit codes: one place for every operations verb.
            var (backend, exitCode) = await OperationsBackend.OpenAsync(config, DataFolderUse.ReadBeside, ct);
            if (backend is null) return exitCode;
            using (backend)
            {
                return await OperationsBackend.GuardAsync(async () =>
                {
                    var view = await SearchAsync(backend, given, query, ct);
                    if (result.GetValue(CliOutput.JsonOption)) CliOutput.WriteJson(view);
                    else WriteTable(view);
                    return 0;
                }, ct);
            }
        });
        return command;
    }

    private static async Task<TrackingViews.SearchView> SearchAsync(OperationsBackend backend, Dictionary<string, string?> given, TrackingQuery query,
        CancellationToken ct)
    {
        if (backend.Api is { } client)
        {
            var parameters = string.Join('&', given.Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value!)}"));
            return await client.GetAsync<TrackingViews.SearchView>($"api/tracking?{parameters}", ct);
        }
        using var store = backend.OpenTrackingStore();
        return TrackingViews.Of(store is null ? [] : await store.SearchAsync(query, ct));
    }

    private static void WriteTable(TrackingViews.SearchView view)
    {
        var table = CliOutput.Table("Time (UTC)", "Event", "Queue id", "Sender", "Recipient", "Where", "Detail", "Next hop's queue id");
        foreach (var e in view.Events)
        {
            // Where it happened: the client and listener of what came in, the route and host of what went out.
            var where = e.NextHop is not null || e.Route is not null ? $"{e.Route} {e.NextHop}".Trim()
                : e.Client is not null ? $"{e.Client} {e.Listener}".Trim() : e.Stage;
            var detail = e.Event == "RECEIVE" ? $"{e.Size} bytes, message-id <{e.MessageId}>{(e.Tls is null ? "" : $", {e.Tls}")}"
                : e.Stage is not null && e.Event is "REJECT" or "FILTER" or "BOUNCE" ? $"{e.Stage}: {e.Detail}" : e.Detail;
            CliOutput.AddRow(table, e.Time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff"), e.Event, e.QueueId,
                e.Sender is null ? null : e.Sender.Length == 0 ? "<>" : e.Sender, e.Recipient, where, detail, e.NextHopQueueId);
        }
        CliOutput.Write(table);
        CliOutput.Line($"{view.Count} event(s)");
    }
}
