using Rampart.Mail;
using Rampart.Queue;

namespace Rampart.Queue.Tests;

/// <summary>
/// A finished message's spool file is kept in spare/ and overwritten by a later message (SpareFiles): what comes back
/// must always be exactly the later message, and nothing a stale or hostile file in spare/ holds may leak into it.
/// </summary>
public class SpareFilesTests() : TestSpool("rampart-spare")
{
    private string SpareFolder => Path.Combine(Temp.Path, "spare");

    private static async Task<QueuedMessage> WriteAsync(QueueStore store, byte[] content)
    {
        var id = QueueId.New();
        await using var writer = store.CreateWriter(id);
        await writer.WriteAsync(content, default);
        return await writer.CommitAsync(Envelope(id.Value));
    }

    /// <summary>A message written, delivered and removed: its file is now a spare.</summary>
    private static async Task<QueuedMessage> FinishedAsync(QueueStore store, int length)
    {
        var old = await WriteAsync(store, Content(length, (byte)'a'));
        store.Remove(old.Envelope.QueueId, old.ContentOffset + old.ContentLength);
        return old;
    }

    private static byte[] Content(int length, byte fill)
    {
        var content = new byte[length];
        Array.Fill(content, fill);
        return content;
    }

    private static byte[] ReadContent(string path)
    {
        using var stream = SpoolFormat.Read(path).OpenContent();
        var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    [Theory]
    [InlineData(200_000, 4_000)]   // a longer message's file takes a short one: its tail must be cut
    [InlineData(4_000, 200_000)]   // and the other way round, through the streaming path
    [InlineData(4_000, 4_000)]
    public async Task A_finished_message_file_takes_the_next_message_whole(int first, int second)
    {
        using var store = NewStore();
        store.Recover();
        var old = await WriteAsync(store, Content(first, (byte)'a'));
        store.Remove(old.Envelope.QueueId, old.ContentOffset + old.ContentLength);
        Assert.False(File.Exists(old.Path));
        Assert.Equal([old.Envelope.QueueId], Directory.GetFiles(SpareFolder).Select(Path.GetFileName));

        var next = await WriteAsync(store, Content(second, (byte)'b'));

        Assert.Empty(Directory.GetFiles(SpareFolder));
        Assert.Empty(Directory.GetFiles(store.Incoming));
        Assert.Equal(Content(second, (byte)'b'), ReadContent(next.Path));
        var recovered = Assert.Single(store.Recover());
        Assert.Equal(next.Envelope.QueueId, recovered.Envelope.QueueId);
    }

    [Fact]
    public async Task An_abandoned_message_gives_its_spare_back_and_the_next_one_is_whole()
    {
        using var store = NewStore();
        store.Recover();
        await FinishedAsync(store, 100_000);
        await using (var writer = store.CreateWriter(QueueId.New()))
        {
            await writer.WriteAsync(Content(70_000, (byte)'x'), default);
            await writer.FlushAsync(default);
        }
        Assert.Single(Directory.GetFiles(SpareFolder));
        Assert.Empty(store.Recover());

        var next = await WriteAsync(store, Content(10, (byte)'b'));
        Assert.Equal(Content(10, (byte)'b'), ReadContent(next.Path));
    }

    [Fact]
    public void Spares_past_the_count_or_the_bytes_or_too_large_are_unlinked()
    {
        Directory.CreateDirectory(SpareFolder);
        var spares = new SpareFiles(SpareFolder, capacity: 3, byteBudget: 100);
        string Finished(string name)
        {
            var path = Path.Combine(Temp.Path, name);
            File.WriteAllText(path, name);
            return path;
        }
        spares.Recycle(Finished("a"), "a", 40);
        spares.Recycle(Finished("b"), "b", 40);
        spares.Recycle(Finished("c"), "c", 40);           // over the bytes
        spares.Recycle(Finished("d"), "d", 10);
        spares.Recycle(Finished("e"), "e", 10);           // over the count
        spares.Recycle(Finished("f"), "f", SpareFiles.MaxFileBytes + 1);
        Assert.Equal(["a", "b", "d"], Directory.GetFiles(SpareFolder).Select(Path.GetFileName).Order());
        Assert.Equal((3, 90L), (spares.Count, spares.Bytes));
        Assert.Empty(Directory.GetFiles(Temp.Path));

        using (var taken = spares.TryTake()?.Handle) Assert.NotNull(taken);
        Assert.Equal((2, 80L), (spares.Count, spares.Bytes));
        spares.Recycle(Finished("g"), "g", 20);
        Assert.Equal((3, 100L), (spares.Count, spares.Bytes));
    }

    [Fact]
    public async Task A_message_removed_without_its_length_is_unlinked()
    {
        using var store = NewStore();
        store.Recover();
        var old = await WriteAsync(store, Content(50, (byte)'a'));
        store.Remove(old.Envelope.QueueId);
        Assert.Empty(Directory.GetFiles(SpareFolder));
        Assert.Empty(Directory.GetFiles(store.Active));
    }

    [Fact]
    public async Task A_restart_reuses_the_spares_and_drops_a_cut_replacement()
    {
        using (var store = NewStore())
        {
            store.Recover();
            var old = await WriteAsync(store, Content(50, (byte)'a'));
            store.Remove(old.Envelope.QueueId, old.ContentOffset + old.ContentLength);
        }
        File.WriteAllText(Path.Combine(SpareFolder, "X.new"), "left by a crash");

        using var again = NewStore();
        Assert.Empty(again.Recover());
        Assert.Single(Directory.GetFiles(SpareFolder));
        var next = await WriteAsync(again, Content(20, (byte)'b'));
        Assert.Empty(Directory.GetFiles(SpareFolder));
        Assert.Empty(Directory.GetFiles(again.Incoming));
        Assert.Equal(Content(20, (byte)'b'), ReadContent(next.Path));
    }

    [Fact]
    public async Task A_link_or_fifo_put_in_spare_is_never_written_through()
    {
        using var store = NewStore();
        var victim = Path.Combine(Temp.Path, "victim");
        File.WriteAllText(victim, "untouched");
        File.CreateSymbolicLink(Path.Combine(SpareFolder, "link"), victim);
        Assert.Equal(0, Mkfifo(Path.Combine(SpareFolder, "fifo"), 0x180));
        Directory.CreateDirectory(Path.Combine(SpareFolder, "dir"));
        store.Recover();

        var next = await WriteAsync(store, Content(30, (byte)'b'));

        Assert.Equal("untouched", File.ReadAllText(victim));
        Assert.StartsWith(store.Active, next.Path);
        Assert.Equal(Content(30, (byte)'b'), ReadContent(next.Path));
    }

    [Fact]
    public async Task A_spare_removed_by_hand_falls_back_to_a_new_file()
    {
        using var store = NewStore();
        store.Recover();
        var old = await FinishedAsync(store, 50);
        File.Delete(Path.Combine(SpareFolder, old.Envelope.QueueId));

        var next = await WriteAsync(store, Content(20, (byte)'b'));
        Assert.Equal(Content(20, (byte)'b'), ReadContent(next.Path));
    }

    [Fact]
    public async Task A_removal_a_crash_undid_after_the_file_took_a_newer_message_is_set_aside_not_delivered()
    {
        using var store = NewStore();
        store.Recover();
        var old = await FinishedAsync(store, 50);
        var oldPath = old.Path;
        var next = await WriteAsync(store, Content(50, (byte)'b'));
        // What the disk may hold after a power cut before the next sync: the old name, the new message's blocks.
        File.Copy(next.Path, oldPath);

        var recovered = store.Recover();

        Assert.Equal([next.Envelope.QueueId], recovered.Select(m => m.Envelope.QueueId));
        Assert.True(File.Exists(Path.Combine(store.Corrupt, old.Envelope.QueueId)));
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int mkfifo(string path, int mode);

    private static int Mkfifo(string path, int mode) => mkfifo(path, mode);
}
