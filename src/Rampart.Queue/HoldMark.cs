namespace Rampart.Queue;

/// <summary>
/// An administrator's hold on a queued message (postsuper -h): when and at whose request. Kept as one line in the
/// message's ".hold" marker beside its spool file, so that the hold survives a restart without touching the spool
/// file or the ".rcpt" log that an attempt under way may be writing.
/// </summary>
public sealed record HoldMark(DateTimeOffset At, string By)
{
    public const string Suffix = ".hold";

    internal string Format() => $"H\t{At.ToUnixTimeMilliseconds()}\t{By.Replace('\t', ' ').Replace('\r', ' ').Replace('\n', ' ')}\n";

    /// <summary>The marker's line; a marker that cannot be read (torn, edited) is still a hold, by nobody known.</summary>
    internal static HoldMark Parse(string text)
    {
        var parts = text.TrimEnd('\n').Split('\t', 3);
        if (parts.Length == 3 && parts[0] == "H" && long.TryParse(parts[1], out var ms)) return new HoldMark(DateTimeOffset.FromUnixTimeMilliseconds(ms), parts[2]);
        return new HoldMark(DateTimeOffset.UnixEpoch, "unknown");
    }

    /// <summary>The marker at <paramref name="path"/>, or null when there is none.</summary>
    internal static HoldMark? Read(string path)
    {
        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }
}
