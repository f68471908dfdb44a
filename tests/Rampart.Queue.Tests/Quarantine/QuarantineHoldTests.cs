using System.Text;
using Rampart.Mail;
using Rampart.Queue;
using Rampart.Testing;

namespace Rampart.Queue.Tests.Quarantine;

/// <summary>
/// The words a hold is made of (<see cref="QuarantineReason"/>) and how they are kept in a spool file: the same JSON
/// as before the type existed, so messages held by an older gateway still read, and still release after a clean scan.
/// </summary>
public class QuarantineHoldTests : IDisposable
{
    private readonly TempDirectory temp = new("rampart-hold");

    public void Dispose() => temp.Dispose();

    public static TheoryData<QuarantineReason, string, string> Reasons => new()
    {
        { QuarantineReason.Virus("Eicar-Signature", "clamd"), "antivirus", "virus: Eicar-Signature (clamd)" },
        { QuarantineReason.ScanFailed("icap", "connection refused"), "antivirus-unavailable", "scan-failed: icap: connection refused" },
        { QuarantineReason.TooLargeToScan(30_000_000, "clamd", 25_000_000), "antivirus-too-large", "too-large-to-scan: 30000000 bytes, clamd takes at most 25000000" },
    };

    [Theory]
    [MemberData(nameof(Reasons))]
    public void Each_reason_has_its_hold_name_and_text(QuarantineReason reason, string hold, string text)
    {
        Assert.Equal(hold, reason.Hold);
        Assert.Equal(text, reason.Text);
        Assert.Equal(text, reason.ToString());
    }

    [Fact]
    public void Only_a_hold_for_want_of_a_verdict_awaits_a_scan()
    {
        var pending = QuarantineReason.ScanFailed("clamd", "down");
        Assert.True(QuarantineReason.AwaitsScan(pending.Hold));
        Assert.True(Hold(pending).AwaitingScan);
        Assert.False(Hold(QuarantineReason.Virus("Eicar", "clamd")).AwaitingScan);
        Assert.False(Hold(QuarantineReason.TooLargeToScan(2, "clamd", 1)).AwaitingScan);
        // Held by another filter as well: a clean scan alone does not release it.
        Assert.False((Hold(pending) with { Filters = [pending.Hold, "attachments"] }).AwaitingScan);
        Assert.False((Hold(pending) with { Filters = [] }).AwaitingScan);
    }

    [Fact]
    public void A_virus_found_later_replaces_a_wait_for_a_verdict()
    {
        var found = QuarantineReason.Virus("Eicar", "clamd");
        var updated = Hold(QuarantineReason.ScanFailed("clamd", "down")).Adding(found, DateTimeOffset.UnixEpoch.AddHours(1));
        Assert.Equal(("virus: Eicar (clamd)", DateTimeOffset.UnixEpoch.AddHours(1)), (updated.Reason, updated.At));
        Assert.Equal(["antivirus"], updated.Filters);
        Assert.False(updated.AwaitingScan);
        Assert.True(updated.Mentions(found));
    }

    [Fact]
    public void A_virus_found_later_is_added_to_another_reason()
    {
        var attachment = new QuarantineHold("attachment: \"a.exe\" executable", ["attachments"], DateTimeOffset.UnixEpoch);
        var found = QuarantineReason.Virus("Eicar", "clamd");
        Assert.False(attachment.Mentions(found));
        var updated = attachment.Adding(found, DateTimeOffset.UnixEpoch);
        Assert.Equal("attachment: \"a.exe\" executable; virus: Eicar (clamd)", updated.Reason);
        Assert.Equal(["attachments", "antivirus"], updated.Filters);
        Assert.Equal(["attachments", "antivirus"], updated.Adding(found, DateTimeOffset.UnixEpoch).Filters);
    }

    [Fact]
    public void A_hold_is_written_in_the_same_words_as_before()
    {
        var json = Encoding.UTF8.GetString(SpoolFormat.SerializeEnvelope(Envelope(Hold(QuarantineReason.ScanFailed("clamd", "down")))));
        Assert.Contains(OldHold, json, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_held_by_an_older_gateway_reads_back_and_awaits_its_scan()
    {
        var built = Envelope(hold: null);
        var envelope = Encoding.UTF8.GetString(SpoolFormat.SerializeEnvelope(built));
        // The envelope as a spool file written before QuarantineReason existed: its hold spelled out by hand.
        var old = Encoding.UTF8.GetBytes(envelope.Insert(envelope.Length - 1, ",\"Quarantine\":" + OldHold));
        // Named by its queue id, as every spool file is (the reader checks).
        var path = Path.Combine(temp.Path, built.QueueId);
        var content = "Subject: held\r\n\r\nx\r\n"u8.ToArray();
        File.WriteAllBytes(path, [.. SpoolFormat.LegacyMagic, .. content, .. old, .. SpoolFormat.LegacyTrailer(content.Length, old)]);

        var hold = SpoolFormat.Read(path).Envelope.Quarantine!;
        Assert.Equal(QuarantineReason.ScanFailed("clamd", "down").Text, hold.Reason);
        Assert.Equal([QuarantineReason.ScanPendingHold], hold.Filters);
        Assert.True(hold.AwaitingScan);
    }

    private const string OldHold =
        "{\"Reason\":\"scan-failed: clamd: down\",\"Filters\":[\"antivirus-unavailable\"],\"At\":\"1970-01-01T00:00:00+00:00\",\"AwaitingScan\":true}";

    private static QuarantineHold Hold(QuarantineReason reason) => new(reason.Text, [reason.Hold], DateTimeOffset.UnixEpoch);

    private static QueuedEnvelope Envelope(QuarantineHold? hold) => TestEnvelope.Inbound(QueueId.New().Value, hold);
}
