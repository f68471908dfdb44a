using System.Text;
using Rampart.EndToEnd.Fixtures;
using Rampart.Mail;
using Rampart.Queue;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.EndToEnd.Queue;

/// <summary>
/// A commit syncs once, after its rename (SpoolFormat): a power cut may leave in active/ a file whose data never
/// reached the disk, torn, zero-filled or cut short. None of them was acknowledged. A real gateway started over such a
/// queue delivers the whole files (this version's and the previous version's RAMPART1) and sends every damaged one
/// to corrupt/, never to delivery.
/// </summary>
public sealed class TornSpoolRecoveryTests
{
    [Fact]
    public async Task A_gateway_started_over_torn_files_delivers_the_whole_ones_and_moves_every_torn_one_to_corrupt()
    {
        using var temp = new TempDirectory("rampart-e2e-torn");
        var setup = RampartConfigFile.WriteStandard(temp);
        var active = Path.Combine(setup.DataDir, "queue", "active");
        OwnerOnly.CreateDirectory(active);

        var (goodId, good) = Compose("whole-v2");
        Put(active, goodId, good);
        var (legacyId, legacy) = ComposeLegacy("whole-v1");
        Put(active, legacyId, legacy);

        var torn = new List<string>();
        var (flippedId, flipped) = Compose("flipped");
        flipped[SpoolFormat.Magic.Length + 40] ^= 0x20; // one bit of the content; lengths, markers and trailer intact
        torn.Add(Put(active, flippedId, flipped));
        var (zeroedId, zeroed) = Compose("zeroed");
        int contentLength = zeroed.Length - SpoolFormat.Magic.Length - SpoolFormat.TrailerLength - EnvelopeLength(zeroed);
        Array.Clear(zeroed, SpoolFormat.Magic.Length, contentLength); // the content's blocks never written: read as zeros
        torn.Add(Put(active, zeroedId, zeroed));
        var (blankId, blank) = Compose("blank");
        torn.Add(Put(active, blankId, new byte[blank.Length])); // the size reached the disk, no data block did (XFS)
        // A whole, valid file of another message in the blocks this one was given: its own checksum holds.
        torn.Add(Put(active, QueueId.New().Value, Compose("stale-blocks").File));
        // Cut at every length short of the whole: each is shorter than its trailer says, or lacks the trailer.
        var (_, cutSource) = Compose("cut");
        for (int length = 0; length < cutSource.Length; length++) torn.Add(Put(active, QueueId.New().Value, cutSource[..length]));

        await using (var rampart = RampartProcess.StartRampart(["run", "--config", setup.ConfigPath]))
        {
            await rampart.WaitForOutputAsync("Rampart started from");
            var drop = Path.Combine(setup.DataDir, "drop");
            await rampart.WaitUntilAsync(() => Directory.Exists(drop) && Directory.GetFiles(drop, "*.eml").Length >= 2
                && !Directory.EnumerateFiles(active).Any(), "the two whole messages delivered", TimeSpan.FromSeconds(30));
            var delivered = Directory.GetFiles(drop, "*.eml").Select(File.ReadAllText).ToList();
            Assert.Equal(2, delivered.Count);
            Assert.Single(delivered, t => t.Contains("marker whole-v2", StringComparison.Ordinal));
            Assert.Single(delivered, t => t.Contains("marker whole-v1", StringComparison.Ordinal));

            var corrupt = Directory.GetFiles(Path.Combine(setup.DataDir, "queue", "corrupt")).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(torn.Order(StringComparer.Ordinal).ToList(), corrupt);
            // The two whose lengths and markers are intact are told by their checksum alone, and the log says so.
            Assert.Equal(2, rampart.CountOutput("failed its checksum"));
            Assert.Contains($"{flippedId} failed its checksum", rampart.Stdout, StringComparison.Ordinal);
            Assert.Contains($"{zeroedId} failed its checksum", rampart.Stdout, StringComparison.Ordinal);
            rampart.Terminate();
            await rampart.WaitForExitAsync(TimeSpan.FromSeconds(20));
        }
    }

    private static string Put(string folder, string name, byte[] bytes)
    {
        using var file = OwnerOnly.Open(Path.Combine(folder, name), FileMode.CreateNew, FileAccess.Write, FileShare.None);
        file.Write(bytes);
        return name;
    }

    private static int EnvelopeLength(byte[] file) =>
        BitConverter.ToInt32(file, file.Length - SpoolFormat.TrailerLength + 8);

    private static QueuedEnvelope Envelope(string id) => new()
    {
        QueueId = id,
        Listener = "inbound",
        Role = ListenerRole.Inbound,
        ClientAddress = "192.0.2.1",
        Sender = new Sender("alice@sender.test"),
        Recipients = [new Recipient("bob@example.test")],
        ReceivedAt = DateTimeOffset.UtcNow,
    };

    private static byte[] Content(string marker) =>
        Encoding.ASCII.GetBytes($"From: alice@sender.test\r\nTo: bob@example.test\r\nSubject: {marker}\r\n\r\nmarker {marker}\r\n");

    private static (string Id, byte[] File) Compose(string marker)
    {
        var id = QueueId.New().Value;
        return (id, SpoolFormat.Compose(Content(marker), SpoolFormat.SerializeEnvelope(Envelope(id))));
    }

    /// <summary>A file as the previous version (RAMPART1) left it in the queue.</summary>
    private static (string Id, byte[] File) ComposeLegacy(string marker)
    {
        var id = QueueId.New().Value;
        var content = Content(marker);
        var envelope = SpoolFormat.SerializeEnvelope(Envelope(id));
        return (id, [.. SpoolFormat.LegacyMagic, .. content, .. envelope, .. SpoolFormat.LegacyTrailer(content.Length, envelope)]);
    }
}
