using System.CommandLine;
using Rampart.Admin;
using Rampart.Commands.Admin;
using Rampart.Configuration;
using Rampart.Tracking;

namespace Rampart.Commands;

/// <summary>
/// `rampart stats`: what flowed over the last days, inbound against outbound (the seeds' split), per day and per hour,
/// with the top senders, recipients and refusal reasons; from message tracking, through the API when the gateway runs
/// and from data_dir/tracking.db when it is stopped. Exit codes as `rampart track`.
/// </summary>
public static class StatsCommand
{
    private static readonly Option<string?> DaysOption = new("--days") { Description = $"The last N days (default 1, at most {TrackingRequest.MaxStatsDays})" };
    private static readonly Option<string?> TopOption = new("--top") { Description = $"Entries in each top list (default {TrackingRequest.DefaultTop}, at most 100)" };
    private static readonly Option<bool> HoursOption = new("--hours") { Description = "Also show the per-hour table" };

    public static Command Create()
    {
        var command = new Command("stats", "Inbound and outbound messages, bytes, refusals and deliveries per day and hour; top senders, recipients, refusal reasons")
        {
            RampartCommandLine.ConfigOption, CliOutput.JsonOption, DaysOption, TopOption, HoursOption,
        };
        command.SetAction(async (result, ct) =>
        {
            if (ConfigOutput.LoadOrReport(result.GetValue(RampartCommandLine.ConfigOption)) is not { } config) return 2;
            var days = result.GetValue(DaysOption);
            var top = result.GetValue(TopOption);
            var (since, until, n, problem) = TrackingRequest.ParseStats(days, top, TimeProvider.System.GetUtcNow());
            if (problem is not null) return ConfigOutput.Fail(2, problem);
            // The choice of API or data folder, its refusals and exit codes: one place for every operations verb.
            var (backend, exitCode) = await OperationsBackend.OpenAsync(config, DataFolderUse.ReadBeside, ct);
            if (backend is null) return exitCode;
            using (backend)
            {
                return await OperationsBackend.GuardAsync(async () =>
                {
                    var view = await StatsAsync(backend, days, top, since, until, n, ct);
                    if (result.GetValue(CliOutput.JsonOption)) CliOutput.WriteJson(view);
                    else WriteTables(view, result.GetValue(HoursOption));
                    return 0;
                }, ct);
            }
        });
        return command;
    }

    private static async Task<TrackingViews.StatsView> StatsAsync(OperationsBackend backend, string? days, string? top, DateTimeOffset since,
        DateTimeOffset until, int n, CancellationToken ct)
    {
        if (backend.Api is { } client)
        {
            var parameters = string.Join('&', new[] { ("days", days), ("top", top) }.Where(p => p.Item2 is not null)
                .Select(p => $"{p.Item1}={Uri.EscapeDataString(p.Item2!)}"));
            return await client.GetAsync<TrackingViews.StatsView>($"api/stats?{parameters}", ct);
        }
        using var store = backend.OpenTrackingStore();
        return TrackingViews.Of(store is null ? new TrackingStats(since, until, [], [], [], [], [], []) : await store.StatsAsync(since, until, n, ct));
    }

    private static void WriteTables(TrackingViews.StatsView view, bool hours)
    {
        CliOutput.Line($"From {view.Since.UtcDateTime:yyyy-MM-dd HH:mm} to {view.Until.UtcDateTime:yyyy-MM-dd HH:mm} UTC");
        WriteCounts("Total", view.Totals, _ => "all");
        WriteCounts("Day", view.PerDay, p => p.UtcDateTime.ToString("yyyy-MM-dd"));
        if (hours) WriteCounts("Hour", view.PerHour, p => p.UtcDateTime.ToString("yyyy-MM-dd HH:00"));
        WriteRanks("Top senders", view.TopSenders);
        WriteRanks("Top recipients", view.TopRecipients);
        WriteRanks("Top refusal reasons", view.TopRefusalReasons);
    }

    private static void WriteCounts(string heading, IReadOnlyList<TrackingViews.CountView> counts, Func<DateTimeOffset, string> period)
    {
        var table = CliOutput.Table(heading, "Direction", "Messages", "Bytes", "Recipients", "Refused", "Delivered", "Failed", "Deferred");
        foreach (var c in counts)
        {
            CliOutput.AddRow(table, period(c.Period), c.Direction, N(c.Messages), N(c.Bytes), N(c.Recipients), N(c.Rejected), N(c.Delivered),
                N(c.Failed), N(c.Deferred));
        }
        CliOutput.Write(table);
    }

    private static void WriteRanks(string heading, IReadOnlyList<TrackingViews.RankView> items)
    {
        var table = CliOutput.Table(heading, "Count");
        foreach (var i in items) CliOutput.AddRow(table, i.Name, N(i.Count));
        CliOutput.Write(table);
    }

    private static string N(long n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
