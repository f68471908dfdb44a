using Rampart.Mail;

namespace Rampart.Queue.Tests;

/// <summary>
/// A message that fits the writer's buffer stays in memory until its commit (filters read it there) and travels with
/// its first delivery attempt; one that outgrows it, or a replacement that does, lives in its file.
/// </summary>
public class MessageWriterMemoryTests() : TestSpool("rampart-writer")
{
    private static byte[] Text(string s) => System.Text.Encoding.ASCII.GetBytes(s);

    [Fact]
    public async Task A_small_message_is_read_from_memory_and_nothing_is_written_until_its_commit()
    {
        using var store = NewStore();
        var id = QueueId.New();
        var content = Text("Subject: small\r\n\r\nbody\r\n");
        await using var writer = store.CreateWriter(id);
        await writer.WriteAsync(content, default);
        await writer.FlushAsync(default);
        Assert.True(writer.InMemory);
        // The file exists from the start (a spool that cannot take mail is told at DATA), empty until the commit.
        Assert.Equal(0, new FileInfo(Path.Combine(store.Incoming, id.Value)).Length);
        Assert.Equal(content, await ReadAllAsync(writer.OpenContent()));
        Assert.Equal(content[9..], await ReadAllAsync(writer.OpenContent(9)));

        var committed = await writer.CommitAsync(Envelope(id.Value));
        Assert.Empty(Directory.GetFiles(store.Incoming));
        Assert.Equal(content, committed.ContentCopy!.Bytes.ToArray());
        Assert.Equal(content, await ReadAllAsync(committed.OpenContent()));
        var read = SpoolFormat.Read(committed.Path);
        Assert.Null(read.ContentCopy);
        Assert.Equal(content, await ReadAllAsync(read.OpenContent()));
    }

    [Fact]
    public async Task A_small_message_replaced_then_read_gives_the_replacement_and_the_old_content_stays_readable()
    {
        using var store = NewStore();
        var id = QueueId.New();
        var original = Text("Subject: original\r\n\r\nwith an attachment\r\n");
        var replacement = Text("Subject: original\r\n\r\nstripped\r\n");
        await using var writer = store.CreateWriter(id);
        await writer.WriteAsync(original, default);
        var kept = writer.OpenContent(); // a parse kept across the rewrite reads the old bytes
        await writer.ReplaceContentAsync(async (output, ct) =>
        {
            // The writer of the replacement reads the old content while it writes.
            Assert.Equal(original, await ReadAllAsync(writer.OpenContent()));
            await output.WriteAsync(replacement, ct);
        }, default);
        Assert.True(writer.InMemory);
        Assert.Equal(replacement.Length, writer.ContentLength);
        Assert.Equal(replacement, await ReadAllAsync(writer.OpenContent()));
        Assert.Equal(original, await ReadAllAsync(kept));

        var committed = await writer.CommitAsync(Envelope(id.Value));
        Assert.Equal(replacement, committed.ContentCopy!.Bytes.ToArray());
        Assert.Equal(replacement, await ReadAllAsync(SpoolFormat.Read(committed.Path).OpenContent()));
    }

    [Fact]
    public async Task A_small_message_replaced_by_one_past_the_buffer_is_written_to_its_file()
    {
        using var store = NewStore();
        var id = QueueId.New();
        var replacement = new byte[300_000];
        new Random(3).NextBytes(replacement);
        await using var writer = store.CreateWriter(id);
        await writer.WriteAsync(Text("Subject: grows\r\n\r\nx\r\n"), default);
        await writer.ReplaceContentAsync((output, ct) => output.WriteAsync(replacement, ct).AsTask(), default);
        Assert.False(writer.InMemory);
        Assert.Single(Directory.GetFiles(store.Incoming));
        Assert.Equal(replacement, await ReadAllAsync(writer.OpenContent()));

        var committed = await writer.CommitAsync(Envelope(id.Value));
        Assert.Null(committed.ContentCopy);
        Assert.Equal(replacement, await ReadAllAsync(SpoolFormat.Read(committed.Path).OpenContent()));
    }

    [Fact]
    public async Task A_large_message_replaced_keeps_a_valid_checksum()
    {
        using var store = NewStore();
        var id = QueueId.New();
        var content = new byte[300_000];
        new Random(5).NextBytes(content);
        await using var writer = store.CreateWriter(id);
        await writer.WriteAsync(content, default);
        await writer.FlushAsync(default);
        Assert.False(writer.InMemory);
        await writer.ReplaceContentAsync(async (output, ct) =>
        {
            await using var old = writer.OpenContent();
            await old.CopyToAsync(output, ct);
            await output.WriteAsync(Text("appended\r\n"), ct);
        }, default);
        var committed = await writer.CommitAsync(Envelope(id.Value));
        byte[] expected = [.. content, .. Text("appended\r\n")];
        Assert.Equal(expected, await ReadAllAsync(SpoolFormat.Read(committed.Path).OpenContent()));
    }

    [Fact]
    public async Task A_copy_is_given_back_once_dropped_and_neither_a_quarantined_nor_a_large_message_gets_one()
    {
        using var store = NewStore();
        var id = QueueId.New();
        await using (var writer = store.CreateWriter(id))
        {
            await writer.WriteAsync(Text("Subject: a\r\n\r\nb\r\n"), default);
            var message = await writer.CommitAsync(Envelope(id.Value));
            Assert.NotNull(message.ContentCopy);
            Assert.True(store.ContentCopies.Used > 0);
            var copied = message with { };
            message.DropContentCopy();
            copied.DropContentCopy();
            Assert.Null(message.ContentCopy);
            Assert.Equal(0, store.ContentCopies.Used);
        }

        var held = QueueId.New();
        await using (var writer = store.CreateWriter(held))
        {
            await writer.WriteAsync(Text("Subject: held\r\n\r\nb\r\n"), default);
            var message = await writer.CommitAsync(Envelope(held.Value, new QuarantineHold("test", ["test"], DateTimeOffset.UnixEpoch)));
            Assert.Null(message.ContentCopy);
        }

        var large = QueueId.New();
        await using (var writer = store.CreateWriter(large))
        {
            await writer.WriteAsync(new byte[300_000], default);
            Assert.Null((await writer.CommitAsync(Envelope(large.Value))).ContentCopy);
        }
        Assert.Equal(0, store.ContentCopies.Used);
    }

    [Fact]
    public void Copies_stop_at_the_budget_and_resume_once_bytes_are_given_back()
    {
        var budget = new ContentCopies(10);
        var first = budget.TryCopy(new byte[6]);
        Assert.NotNull(first);
        Assert.Null(budget.TryCopy(new byte[6]));
        first.Release();
        first.Release();
        Assert.Equal(0, budget.Used);
        Assert.NotNull(budget.TryCopy(new byte[10]));
    }

    [Fact]
    public async Task A_message_refused_before_its_commit_leaves_no_file_and_a_large_one_is_removed()
    {
        using var store = NewStore();
        await using (var writer = store.CreateWriter(QueueId.New())) await writer.WriteAsync(Text("small"), default);
        await using (var writer = store.CreateWriter(QueueId.New())) await writer.WriteAsync(new byte[300_000], default);
        Assert.Empty(Directory.GetFiles(store.Incoming));
        Assert.Empty(Directory.GetFiles(store.Active));
    }

    [Fact]
    public async Task A_message_up_to_256_KiB_stays_in_memory_within_the_budget_and_gives_it_back()
    {
        using var store = NewStore();
        var content = new byte[200_000];
        new Random(5).NextBytes(content);
        var id = QueueId.New();
        await using (var writer = store.CreateWriter(id))
        {
            foreach (var chunk in content.Chunk(30_000)) await writer.WriteAsync(chunk, default);
            await writer.FlushAsync(default);
            Assert.True(writer.InMemory);
            Assert.Equal(256 * 1024 - 64 * 1024, store.LargeBuffers.Used);
            Assert.Equal(content, await ReadAllAsync(writer.OpenContent()));
            var committed = await writer.CommitAsync(Envelope(id.Value));
            Assert.Equal(content, committed.ContentCopy!.Bytes.ToArray());
            Assert.Equal(content, await ReadAllAsync(SpoolFormat.Read(committed.Path).OpenContent()));
        }
        Assert.Equal(0, store.LargeBuffers.Used);
    }

    [Fact]
    public async Task Past_256_KiB_or_the_budget_the_content_goes_to_its_file_whole()
    {
        using var store = NewStore();
        Assert.True(store.LargeBuffers.TryReserve(64L * 1024 * 1024 - 1000));
        var content = new byte[100_000];
        new Random(6).NextBytes(content);
        var id = QueueId.New();
        await using (var writer = store.CreateWriter(id))
        {
            foreach (var chunk in content.Chunk(30_000)) await writer.WriteAsync(chunk, default);
            Assert.False(writer.InMemory);
            await writer.FlushAsync(default);
            Assert.Equal(content, await ReadAllAsync(writer.OpenContent()));
            var committed = await writer.CommitAsync(Envelope(id.Value));
            Assert.Null(committed.ContentCopy);
            Assert.Equal(content, await ReadAllAsync(SpoolFormat.Read(committed.Path).OpenContent()));
        }
        Assert.Equal(64L * 1024 * 1024 - 1000, store.LargeBuffers.Used);
        store.LargeBuffers.Release(64L * 1024 * 1024 - 1000);

        var huge = new byte[300_000];
        await using (var writer = store.CreateWriter(QueueId.New()))
        {
            await writer.WriteAsync(huge.AsMemory(0, 250_000), default);
            Assert.True(writer.InMemory);
            await writer.WriteAsync(huge.AsMemory(250_000), default);
            Assert.False(writer.InMemory);
            Assert.Equal(huge.Length, writer.ContentLength);
        }
        Assert.Equal(0, store.LargeBuffers.Used);
    }
}
