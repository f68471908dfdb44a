namespace Rampart.Queue;

/// <summary>
/// Back pressure: says when free space on the queue's file system or available memory has fallen under its
/// threshold, so that listeners answer 452 4.3.1 (RFC 3463 "mail system full") and senders keep the mail
/// until we recover. Measured at most once a second: it is asked at every MAIL FROM.
/// </summary>
public sealed class ResourceGuard(string spoolDirectory, long minFreeDisk, long minFreeMemory, TimeProvider clock)
{
    private static readonly TimeSpan RecheckAfter = TimeSpan.FromSeconds(1);
    private readonly Lock gate = new();
    private DateTimeOffset checkedAt = DateTimeOffset.MinValue;
    private string? shortage;

    /// <summary>What is short (for the reply and the log), or null when the gateway may accept mail.</summary>
    public string? Shortage()
    {
        var now = clock.GetUtcNow();
        lock (gate)
        {
            if (now - checkedAt < RecheckAfter) return shortage;
            checkedAt = now;
            try
            {
                shortage = Measure();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
            {
                // A guard that cannot measure must not refuse mail on its own account; the commit itself still
                // fails safely (451) if the disk really is full.
                shortage = null;
            }
            return shortage;
        }
    }

    private string? Measure()
    {
        long disk = new DriveInfo(spoolDirectory).AvailableFreeSpace;
        if (disk < minFreeDisk) return $"queue disk has {disk / (1024 * 1024)} MiB free, under the {minFreeDisk / (1024 * 1024)} MiB minimum";
        long memory = AvailableMemory();
        if (memory < minFreeMemory) return $"{memory / (1024 * 1024)} MiB of memory available, under the {minFreeMemory / (1024 * 1024)} MiB minimum";
        return null;
    }

    /// <summary>The kernel's estimate of memory available without swapping (MemAvailable), else what the GC sees.</summary>
    private static long AvailableMemory()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (!line.StartsWith("MemAvailable:", StringComparison.Ordinal)) continue;
                var kib = line["MemAvailable:".Length..].Trim().Split(' ')[0];
                if (long.TryParse(kib, out var k)) return k * 1024;
            }
        }
        catch (IOException)
        {
            // Not Linux, or /proc not mounted: fall through.
        }
        var info = GC.GetGCMemoryInfo();
        return info.TotalAvailableMemoryBytes - info.MemoryLoadBytes;
    }
}
