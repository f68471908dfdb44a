using Microsoft.Extensions.Logging.Abstractions;
using Rampart.Mail;
using Rampart.Testing;

namespace Rampart.Queue.Tests;

/// <summary>
/// Recovery trusts a spool file only if its every byte matches its trailer's checksum (a commit syncs once, after the
/// rename, so a power cut may leave a renamed file whose data never reached the disk), and still reads the previous
/// version's RAMPART1 files.
/// </summary>
public class SpoolRecoveryTests() : TestSpool("rampart-recovery")
{
    private static readonly byte[] Content = "Subject: x\r\n\r\nthe body\r\n"u8.ToArray();

    private static byte[] Compose(string id) => SpoolFormat.Compose(Content, SpoolFormat.SerializeEnvelope(Envelope(id)));

    private static string Put(QueueStore store, string id, byte[] bytes)
    {
        File.WriteAllBytes(Path.Combine(store.Active, id), bytes);
        return id;
    }

    private static byte[] ReadContent(QueuedMessage message)
    {
        using var stream = message.OpenContent();
        var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    [Fact]
    public async Task A_fifo_and_a_link_left_in_the_spool_go_to_corrupt_without_holding_recovery()
    {
        using var store = new QueueStore(Temp.Path, NullLogger.Instance);
        Put(store, "01JGOODFIFO0000000000000001", Compose("01JGOODFIFO0000000000000001"));
        var fifo = Path.Combine(store.Active, "01JFIFO00000000000000000001");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", fifo)) mkfifo.WaitForExit(10_000);
        var target = Put(store, "01JTARGET000000000000000001", Compose("01JTARGET000000000000000001"));
        File.Move(Path.Combine(store.Active, target), Path.Combine(Temp.Path, target));
        File.CreateSymbolicLink(Path.Combine(store.Active, target), Path.Combine(Temp.Path, target));

        var recovered = await Task.Run(store.Recover).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("01JGOODFIFO0000000000000001", Assert.Single(recovered).QueueId);
        Assert.True(File.Exists(Path.Combine(store.Corrupt, "01JFIFO00000000000000000001")));
        Assert.NotNull(new FileInfo(Path.Combine(store.Corrupt, target)).LinkTarget);
    }

    [Fact]
    public void A_file_of_the_previous_version_is_recovered_with_its_content()
    {
        var id = QueueId.New().Value;
        var envelope = SpoolFormat.SerializeEnvelope(Envelope(id));
        using (var store = new QueueStore(Temp.Path, NullLogger.Instance))
        {
            Put(store, id, [.. SpoolFormat.LegacyMagic, .. Content, .. envelope, .. SpoolFormat.LegacyTrailer(Content.Length, envelope)]);
        }
        using var reopened = new QueueStore(Temp.Path, NullLogger.Instance);
        var message = Assert.Single(reopened.Recover());
        Assert.Equal(id, message.QueueId);
        Assert.Equal(Content, ReadContent(message));
    }

    [Fact]
    public void Flipped_zeroed_cut_and_misplaced_files_go_to_corrupt_and_whole_ones_are_recovered()
    {
        var torn = new List<string>();
        string whole;
        using (var store = new QueueStore(Temp.Path, NullLogger.Instance))
        {
            whole = QueueId.New().Value;
            Put(store, whole, Compose(whole));

            var id = QueueId.New().Value;
            var flipped = Compose(id);
            flipped[SpoolFormat.Magic.Length + 3] ^= 1;
            torn.Add(Put(store, id, flipped));

            id = QueueId.New().Value;
            var zeroed = Compose(id);
            Array.Clear(zeroed, SpoolFormat.Magic.Length, Content.Length);
            torn.Add(Put(store, id, zeroed));

            id = QueueId.New().Value;
            var envelope = Compose(id);
            envelope[^(SpoolFormat.TrailerLength + 2)] ^= 0x10; // the envelope's last bytes
            torn.Add(Put(store, id, envelope));

            torn.Add(Put(store, QueueId.New().Value, Compose(QueueId.New().Value))); // whole, but another message's

            var source = Compose(QueueId.New().Value);
            for (int length = 0; length < source.Length; length++) torn.Add(Put(store, QueueId.New().Value, source[..length]));
        }

        using var reopened = new QueueStore(Temp.Path, NullLogger.Instance);
        var message = Assert.Single(reopened.Recover());
        Assert.Equal(whole, message.QueueId);
        Assert.Equal(Content, ReadContent(message));
        Assert.Equal(torn.Order(StringComparer.Ordinal), Directory.GetFiles(reopened.Corrupt).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_file_larger_than_one_read_block_is_checked_to_its_last_byte()
    {
        var content = new byte[700_000];
        new Random(9).NextBytes(content);
        var id = QueueId.New().Value;
        var bad = QueueId.New().Value;
        using (var store = new QueueStore(Temp.Path, NullLogger.Instance))
        {
            Put(store, id, SpoolFormat.Compose(content, SpoolFormat.SerializeEnvelope(Envelope(id))));
            var damaged = SpoolFormat.Compose(content, SpoolFormat.SerializeEnvelope(Envelope(bad)));
            damaged[600_000] ^= 0x80; // in the third block
            Put(store, bad, damaged);
        }
        using var reopened = new QueueStore(Temp.Path, NullLogger.Instance);
        var message = Assert.Single(reopened.Recover());
        Assert.Equal(content, ReadContent(message));
        Assert.Equal([bad], Directory.GetFiles(reopened.Corrupt).Select(Path.GetFileName));
    }
}
