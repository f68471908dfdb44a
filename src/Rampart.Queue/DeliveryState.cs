namespace Rampart.Queue;

/// <summary>
/// What delivery knows about a queued message beyond its spool file: each recipient's latest outcome and the
/// retry schedule. Kept in the message's ".rcpt" log so that a restart neither repeats a final recipient nor
/// forgets how far the retries have backed off.
/// </summary>
public sealed record DeliveryState(
    IReadOnlyDictionary<int, RecipientOutcome> Outcomes,
    int Attempts,
    DateTimeOffset? NextAttemptAt,
    bool DelayWarned)
{
    public static readonly DeliveryState Fresh = new(new Dictionary<int, RecipientOutcome>(), 0, null, false);

    /// <summary>Reads a ".rcpt" log; a missing one is <see cref="Fresh"/> (the message was never attempted, or is gone).</summary>
    public static DeliveryState ReadLog(string path)
    {
        var outcomes = new Dictionary<int, RecipientOutcome>();
        int attempts = 0;
        DateTimeOffset? next = null;
        bool warned = false;
        IEnumerable<string> lines;
        try
        {
            lines = File.ReadLines(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return Fresh;
        }
        foreach (var line in lines)
        {
            // A torn last line (crash mid-append) is ignored: that recipient is simply tried again.
            if (RecipientOutcome.TryParse(line, out int index, out var outcome)) outcomes[index] = outcome;
            else if (ScheduleLine.TryParse(line, out var a, out var n, out var w)) (attempts, next, warned) = (a, n, w);
        }
        return new DeliveryState(outcomes, attempts, next, warned);
    }
}

/// <summary>The retry bookkeeping line of a ".rcpt" log; the last one wins.</summary>
internal static class ScheduleLine
{
    private const string Tag = "S";

    public static string Format(int attempts, DateTimeOffset nextAttemptAt, bool delayWarned) =>
        $"{Tag}\t{attempts}\t{nextAttemptAt.ToUnixTimeMilliseconds()}\t{(delayWarned ? 1 : 0)}";

    public static bool TryParse(string line, out int attempts, out DateTimeOffset nextAttemptAt, out bool delayWarned)
    {
        attempts = 0;
        nextAttemptAt = default;
        delayWarned = false;
        var parts = line.Split('\t');
        if (parts.Length != 4 || parts[0] != Tag || !int.TryParse(parts[1], out attempts) || !long.TryParse(parts[2], out var ms)
            || parts[3] is not ("0" or "1"))
        {
            return false;
        }
        nextAttemptAt = DateTimeOffset.FromUnixTimeMilliseconds(ms);
        delayWarned = parts[3] == "1";
        return true;
    }
}
