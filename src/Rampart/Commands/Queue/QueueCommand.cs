using System.CommandLine;
using Rampart.Commands.Admin;
using Rampart.QueueAdmin;
using Spectre.Console;

namespace Rampart.Commands.Queue;

/// <summary>
/// `rampart queue list|show|flush|retry|hold|release|delete`: what postfix's mailq, postqueue and postsuper do, on the
/// admin API when the gateway runs and on the data folder when it is stopped (QueueBackend). Tables for people,
/// `--json` for scripts, a progress bar while a bulk change (`--all` with filters) goes through its messages.
/// Exit codes, as `rampart quarantine`'s: 0 done, 1 some message was not found or not changed, 2 bad configuration or
/// arguments, 3 a gateway holds the data folder but its admin API cannot be reached (nothing was changed).
/// </summary>
public static class QueueCommand
{
    private static Option<bool> Json => Admin.CliOutput.JsonOption;
    private static readonly Option<string?> Destination = new("--destination", "-d") { Description = "Only messages with a recipient not yet final in this domain" };
    private static readonly Option<string?> Sender = new("--sender", "-s") { Description = "Only messages whose sender contains this text (case-insensitive)" };
    private static readonly Option<string?> OlderThan = new("--older-than") { Description = "Only messages that arrived at least this long ago (90s, 30m, 2h, 3d)" };
    private static readonly Option<string?> State = new("--state") { Description = "Only messages in this state: active, deferred, held, quarantined" };
    private static readonly Option<string?> Limit = new("--limit") { Description = $"At most this many messages (default {QueueFilter.DefaultLimit}, at most {QueueFilter.MaxLimit})" };
    private static readonly Option<bool> All = new("--all") { Description = "Every queued message the filters pick, instead of ids (quarantined ones only with --state quarantined)" };
    private static readonly Argument<string[]> Ids = new("queue-id") { Arity = ArgumentArity.ZeroOrMore, Description = "Queue ids, as `list` shows them" };

    public static Command Create()
    {
        var command = new Command("queue", "See and manage the mail queue: list, show, flush, retry, hold, release, delete");
        command.Subcommands.Add(ListCommand());
        command.Subcommands.Add(ShowCommand());
        command.Subcommands.Add(FlushCommand());
        command.Subcommands.Add(Change("retry", "Attempt messages now (their next hop's set-aside state is forgotten)", (q, id, _, ct) => q.RetryAsync(id, ct)));
        command.Subcommands.Add(Change("hold", "Hold messages: kept, never attempted, until released (postsuper -h)", (q, id, _, ct) => q.HoldAsync(id, ct)));
        command.Subcommands.Add(Change("release", "Release held messages into their retry schedule; quarantined ones to delivery (postsuper -H)",
            (q, id, unscanned, ct) => q.ReleaseAsync(id, unscanned, ct), withUnscanned: true));
        command.Subcommands.Add(Change("delete", "Remove messages from the queue, with no notice to anyone (postsuper -d)", (q, id, _, ct) => q.DeleteAsync(id, ct)));
        return command;
    }

    private static Command ListCommand()
    {
        var command = new Command("list", "The queued and quarantined messages, oldest first (mailq)")
        {
            Destination, Sender, OlderThan, State, Limit, Json, RampartCommandLine.ConfigOption,
        };
        command.SetAction((result, ct) => Guarded(ct, async () =>
        {
            if (ReadFilter(result) is not { } filter) return 2;
            await using var backend = await QueueBackend.OpenAsync(result, ct);
            if (backend.Queue is not { } queue) return backend.ExitCode;
            var listing = await queue.ListAsync(filter, ct);
            if (result.GetValue(Json)) QueueOutput.WriteJson(listing);
            else QueueTables.List(QueueOutput.Console, listing);
            return 0;
        }));
        return command;
    }

    private static Command ShowCommand()
    {
        var id = new Argument<string>("queue-id");
        var command = new Command("show", "One message: its envelope, each recipient's outcome, its header") { id, Json, RampartCommandLine.ConfigOption };
        command.SetAction((result, ct) => Guarded(ct, async () =>
        {
            await using var backend = await QueueBackend.OpenAsync(result, ct);
            if (backend.Queue is not { } queue) return backend.ExitCode;
            var wanted = result.GetValue(id)!;
            if (await queue.ShowAsync(wanted, ct) is not { } detail) return ConfigOutput.Fail(1, $"no queued or quarantined message {QuarantineCommand.Printable(wanted)}");
            if (result.GetValue(Json)) QueueOutput.WriteJson(detail);
            else QueueTables.Show(QueueOutput.Console, detail);
            return 0;
        }));
        return command;
    }

    private static Command FlushCommand()
    {
        var wait = new Option<string?>("--wait") { Description = "Wait this long (30s, 5m) for the attempts set going, with a progress bar" };
        var command = new Command("flush", "Attempt every waiting message now, or those for one domain (postqueue -f, -s)")
        {
            Destination, wait, Json, RampartCommandLine.ConfigOption,
        };
        command.SetAction((result, ct) => Guarded(ct, async () =>
        {
            TimeSpan? waitFor = null;
            if (result.GetValue(wait) is { } w)
            {
                waitFor = Configuration.Section.ParseDuration(w, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
                if (waitFor is null) return ConfigOutput.Fail(2, $"--wait '{QuarantineCommand.Printable(w)}' is not a duration from 1s to 1h");
            }
            var destination = result.GetValue(Destination);
            try
            {
                if (destination is not null) destination = QueueFilter.Parse(destination, null, null, null, null).Destination;
            }
            catch (QueueFilterException ex)
            {
                return ConfigOutput.Fail(2, ex.Message);
            }
            await using var backend = await QueueBackend.OpenAsync(result, ct);
            if (backend.Queue is not { } queue) return backend.ExitCode;
            var attemptsBefore = waitFor is not null && backend.IsLive
                ? (await queue.ListAsync(new QueueFilter { Limit = QueueFilter.MaxLimit }, ct)).Messages.ToDictionary(m => m.Id, m => m.Attempts, StringComparer.Ordinal)
                : new Dictionary<string, int>();
            var flushed = await queue.FlushAsync(destination, ct);
            if (waitFor is { } bound && backend.IsLive) await QueueProgress.AwaitAttemptsAsync(queue, flushed.Ids, attemptsBefore, bound, ct);
            if (result.GetValue(Json)) QueueOutput.WriteJson(flushed);
            else QueueTables.Flush(QueueOutput.Console, flushed);
            return 0;
        }));
        return command;
    }

    private static Command Change(string name, string description, Func<IQueueOperations, string, bool, CancellationToken, Task<QueueActionResult>> act,
        bool withUnscanned = false)
    {
        var unscanned = new Option<bool>("--unscanned") { Description = "Also release quarantined messages that no virus scanner could scan (delivered unscanned)" };
        var command = new Command(name, description) { Ids, All, Destination, Sender, OlderThan, State, Json, RampartCommandLine.ConfigOption };
        if (withUnscanned) command.Options.Add(unscanned);
        command.SetAction((result, ct) => Guarded(ct, async () =>
        {
            var ids = result.GetValue(Ids) ?? [];
            bool all = result.GetValue(All);
            if (ids.Length == 0 && !all) return ConfigOutput.Fail(2, $"give queue ids, or --all (with filters) for every message they pick");
            if (ids.Length > 0 && all) return ConfigOutput.Fail(2, "give queue ids or --all, not both");
            if (ids.Length > 0 && new Option[] { Destination, Sender, OlderThan, State }.Any(o => result.GetResult(o) is not null))
            {
                return ConfigOutput.Fail(2, "the filters pick messages for --all; with queue ids given they would be ignored");
            }
            if (ReadFilter(result) is not { } filter) return 2;
            await using var backend = await QueueBackend.OpenAsync(result, ct);
            if (backend.Queue is not { } queue) return backend.ExitCode;
            if (all)
            {
                var picked = await queue.ListAsync(filter with { Limit = QueueFilter.MaxLimit }, ct);
                // What filters held stays out of a bulk change unless asked for by name: `delete --all` empties the queue, not the quarantine.
                ids = [.. picked.Messages.Where(m => filter.State is not null || m.State != QueueStates.Quarantined).Select(m => m.Id)];
                if (picked.Total > picked.Messages.Count)
                {
                    QueueOutput.Errors.Write(new Spectre.Console.Text($"{picked.Total} messages match; this run takes the first {picked.Messages.Count}: run it again for the rest" + Environment.NewLine));
                }
            }
            bool release = result.GetValue(unscanned);
            var results = await QueueProgress.EachAsync(name, ids, (id, token) => act(queue, id, release, token), ct);
            if (result.GetValue(Json)) QueueOutput.WriteJson(results);
            else QueueTables.Results(QueueOutput.Console, results);
            return results.All(r => QueueResults.Succeeded(r.Result)) ? 0 : 1;
        }));
        return command;
    }

    /// <summary>
    /// A stopped gateway's folder that is not ours to change, or not ours to read: said plainly, exit 2; a call to the
    /// API that failed under way: exit 1 (<see cref="OperationsBackend.GuardAsync"/>).
    /// </summary>
    private static async Task<int> Guarded(CancellationToken ct, Func<Task<int>> verb)
    {
        try
        {
            return await OperationsBackend.GuardAsync(verb, ct);
        }
        catch (QueueOwnerException ex)
        {
            return ConfigOutput.Fail(2, ex.Message);
        }
        catch (UnauthorizedAccessException ex)
        {
            return ConfigOutput.Fail(2, $"{ex.Message} (run the command as the gateway's user)");
        }
    }

    private static QueueFilter? ReadFilter(ParseResult result)
    {
        try
        {
            return QueueFilter.Parse(result.GetValue(Destination), result.GetValue(Sender), result.GetValue(OlderThan), result.GetValue(State),
                result.GetResult(Limit) is null ? null : result.GetValue(Limit));
        }
        catch (QueueFilterException ex)
        {
            ConfigOutput.Fail(2, ex.Message);
            return null;
        }
    }
}
