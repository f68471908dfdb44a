using Rampart.QueueAdmin;
using Spectre.Console;

namespace Rampart.Commands.Queue;

/// <summary>
/// Long operations with a progress bar on standard error (standard output stays clean for `--json`), shown only when
/// standard error is a terminal: a bulk hold, release, retry or delete goes message by message; `flush --wait`
/// watches the attempts it set going until each has ended (the message left the queue or is waiting again).
/// </summary>
internal static class QueueProgress
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    public static async Task<IReadOnlyList<QueueActionResult>> EachAsync(string verb, IReadOnlyList<string> ids,
        Func<string, CancellationToken, Task<QueueActionResult>> act, CancellationToken ct)
    {
        var results = new List<QueueActionResult>(ids.Count);
        var errors = QueueOutput.Errors;
        if (ids.Count < 2 || !errors.Profile.Capabilities.Interactive)
        {
            foreach (var id in ids) results.Add(await act(id, ct));
            return results;
        }
        await errors.Progress().AutoClear(false).StartAsync(async progress =>
        {
            var task = progress.AddTask($"{verb} {ids.Count} messages", maxValue: ids.Count);
            foreach (var id in ids)
            {
                results.Add(await act(id, ct));
                task.Increment(1);
            }
        });
        return results;
    }

    /// <summary>
    /// Until every flushed message's attempt has ended, or <paramref name="bound"/> has passed; returns how many ended.
    /// An attempt has ended when its message left the queue or has more attempts recorded than
    /// <paramref name="attemptsBefore"/> says it had before the flush (a state alone could not tell an attempt not yet
    /// started from one done).
    /// </summary>
    public static async Task<int> AwaitAttemptsAsync(IQueueOperations queue, IReadOnlyList<string> ids, IReadOnlyDictionary<string, int> attemptsBefore,
        TimeSpan bound, CancellationToken ct)
    {
        if (ids.Count == 0) return 0;
        var clock = TimeProvider.System;
        var deadline = clock.GetUtcNow() + bound;
        int ended = 0;
        // Each poll asks about the flushed messages whose attempt has not ended yet, one by one, not for the whole queue.
        var done = new HashSet<string>(StringComparer.Ordinal);
        async Task<int> EndedAsync()
        {
            foreach (var id in ids.Where(id => !done.Contains(id)).ToList())
            {
                var m = (await queue.ShowAsync(id, ct))?.Message;
                if (m is null || m.Attempts > attemptsBefore.GetValueOrDefault(id) || m.State == QueueStates.Held) done.Add(id);
            }
            return done.Count;
        }
        async Task Poll(Action<int> report)
        {
            while ((ended = await EndedAsync()) < ids.Count && clock.GetUtcNow() < deadline)
            {
                report(ended);
                await Task.Delay(PollInterval, clock, ct);
            }
            report(ended);
        }
        var errors = QueueOutput.Errors;
        if (!errors.Profile.Capabilities.Interactive)
        {
            await Poll(_ => { });
        }
        else
        {
            await errors.Progress().AutoClear(false).StartAsync(async progress =>
            {
                var task = progress.AddTask($"attempts of {ids.Count} flushed messages", maxValue: ids.Count);
                await Poll(n => task.Value = n);
            });
        }
        if (ended < ids.Count) QueueOutput.Errors.Write(new Text($"{ids.Count - ended} attempts still under way after {bound}" + Environment.NewLine));
        return ended;
    }
}
