namespace Rampart.Queue;

/// <summary>One queued message as the files show it: envelope, outcomes and schedule so far, and the hold if any.</summary>
public sealed record QueueEntry(QueuedMessage Message, DeliveryState State, HoldMark? Hold)
{
    public string QueueId => Message.QueueId;
}

/// <summary>
/// Reads the messages of a spool's active/ folder without changing anything, for `rampart queue list|show` and the
/// admin API (postfix's mailq reads the queue the same way, beside the running queue manager). A file that goes away
/// while it is read (delivered in the meantime) is skipped; a damaged one is named in <c>damaged</c>.
/// </summary>
public static class QueueInspector
{
    /// <summary>Every queued message, oldest first.</summary>
    public static IReadOnlyList<QueueEntry> List(string queueRoot, List<string>? damaged = null)
    {
        var active = Path.Combine(queueRoot, "active");
        if (!Directory.Exists(active)) return [];
        var entries = new List<QueueEntry>();
        // One listing tells which messages have a log or a hold, so most messages cost one read, not three opens.
        var names = Directory.EnumerateFiles(active).Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (!Mail.QueueId.TryParse(name, out _)) continue;
            var path = Path.Combine(active, name!);
            try
            {
                entries.Add(Read(path, names.Contains(name + ".rcpt"), names.Contains(name + HoldMark.Suffix)));
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                // Delivered (or deleted) between the listing and the read.
            }
            catch (Exception ex) when (ex is InvalidDataException or System.Text.Json.JsonException or IOException)
            {
                damaged?.Add($"{name}: {ex.Message}");
            }
        }
        return entries.OrderBy(e => e.Message.Envelope.ReceivedAt).ThenBy(e => e.QueueId, StringComparer.Ordinal).ToList();
    }

    /// <summary>The queued message with this id, or null. The id is checked first: no name reaches outside the folder.</summary>
    public static QueueEntry? Find(string queueRoot, string queueId)
    {
        if (!Mail.QueueId.TryParse(queueId, out _)) return null;
        try
        {
            return Read(Path.Combine(queueRoot, "active", queueId), hasLog: true, hasHold: true);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private static QueueEntry Read(string path, bool hasLog, bool hasHold)
    {
        var message = SpoolFormat.Read(path);
        return new QueueEntry(message, hasLog ? DeliveryState.ReadLog(path + ".rcpt") : DeliveryState.Fresh,
            hasHold ? HoldMark.Read(path + HoldMark.Suffix) : null);
    }
}
