#:project ../src/Rampart.Queue/Rampart.Queue.csproj
#:property Configuration=Release
using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging.Abstractions;
using Rampart.Mail;
using Rampart.Queue;

// recovery-cost.cs — what QueueStore.Recover costs for a large queue now that it checks every byte of every RAMPART2
// file against its trailer's XXH3 (issue 15), next to the same queue in the previous RAMPART1 format (envelope CRC
// only). Writes COUNT spool files of SIZE bytes of content (default 100000 x 4096) under bench/results/, then times
// Recover three times with the files in the page cache (warm) and once after evicting them with
// posix_fadvise(DONTNEED) (cold: read from the disk). Prints wall time and CPU time.
// Run from the project root: dotnet run bench/recovery-cost.cs [COUNT] [SIZE]
int count = args.Length > 0 ? int.Parse(args[0]) : 100_000;
int size = args.Length > 1 ? int.Parse(args[1]) : 4096;
var root = Path.GetFullPath(Path.Combine("bench", "results", $"recovery-{DateTime.UtcNow:yyyyMMddHHmmss}"));
var content = new byte[size];
new Random(1).NextBytes(content);
for (int i = 0; i < content.Length; i++) content[i] = (byte)(' ' + content[i] % 90);

foreach (var legacy in new[] { false, true })
{
    var dir = Path.Combine(root, legacy ? "rampart1" : "rampart2");
    using (var store = new QueueStore(dir, NullLogger.Instance))
    {
        var at = DateTimeOffset.UtcNow;
        for (int i = 0; i < count; i++)
        {
            var id = QueueId.New().Value;
            var envelope = SpoolFormat.SerializeEnvelope(new QueuedEnvelope
            {
                QueueId = id, Listener = "inbound", Role = ListenerRole.Inbound, ClientAddress = "192.0.2.1",
                Sender = new Sender("alice@sender.test"), Recipients = [new Recipient("bob@example.test")], ReceivedAt = at,
            });
            byte[] file = legacy
                ? [.. SpoolFormat.LegacyMagic, .. content, .. envelope, .. SpoolFormat.LegacyTrailer(content.Length, envelope)]
                : SpoolFormat.Compose(content, envelope);
            File.WriteAllBytes(Path.Combine(store.Active, id), file);
        }
    }
    Sync();
    for (int round = 0; round < 4; round++)
    {
        bool cold = round == 3;
        if (cold) Evict(Path.Combine(dir, "active"));
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        int recovered;
        using (var store = new QueueStore(dir, NullLogger.Instance)) recovered = store.Recover().Count;
        wall.Stop();
        var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        if (recovered != count) throw new InvalidOperationException($"recovered {recovered} of {count}");
        Console.WriteLine($"{(legacy ? "RAMPART1 (envelope CRC)" : "RAMPART2 (XXH3 of all)"),-24} {count} x {size} B {(cold ? "cold" : "warm"),-4}: " +
            $"{wall.Elapsed.TotalSeconds,6:0.00} s wall, {used.TotalSeconds,6:0.00} s CPU, {wall.Elapsed.TotalMicroseconds / count,5:0.0} us/file");
    }
}
Directory.Delete(root, recursive: true);

static void Sync() => sync();

static void Evict(string folder)
{
    foreach (var path in Directory.EnumerateFiles(folder))
    {
        using var handle = File.OpenHandle(path);
        _ = posix_fadvise((int)handle.DangerousGetHandle(), 0, 0, 4); // POSIX_FADV_DONTNEED
    }
}

[DllImport("libc")] static extern void sync();
[DllImport("libc")] static extern int posix_fadvise(int fd, long offset, long length, int advice);
