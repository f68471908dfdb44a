using Rampart.Mail;

namespace Rampart.Queue;

/// <summary>Where a delivered recipient's message went, which decides what a NOTIFY=SUCCESS sender is told (RFC 3461 §4.2).</summary>
public enum Handoff
{
    /// <summary>Put where the recipient reads it (a drop folder): "delivered".</summary>
    Final,
    /// <summary>Passed to a next hop that does not do DSN: "relayed", and the trail ends here.</summary>
    Relayed,
    /// <summary>Passed to a next hop that took the DSN request with it: it reports, we do not.</summary>
    RelayedWithDsn,
}

/// <summary>
/// What one delivery attempt did for one recipient. <paramref name="Reply"/> is the reply as the next hop gave it
/// (or as the gateway made it up), kept for tracking and for the bounce's Status and Diagnostic-Code;
/// <paramref name="RemoteMta"/> is the host that gave it. <paramref name="Handoff"/> matters only at the moment of
/// delivery and is not stored.
/// </summary>
public sealed record RecipientOutcome(RecipientStatus Status, SmtpReply Reply, DateTimeOffset At, string? RemoteMta = null, Handoff Handoff = Handoff.Final)
{
    public bool IsFinal => Status is RecipientStatus.Delivered or RecipientStatus.PermanentFailure;

    // The ".rcpt" log line: index, status, time, remote MTA, the reply as one line. The reply becomes text here
    // and only here (the spool boundary), and is read back by ReplyLine.
    internal string Format(int index) =>
        $"{index}\t{Status}\t{At.ToUnixTimeMilliseconds()}\t{Clean(RemoteMta ?? "")}\t{Clean(Reply.ToString())}";

    private static string Clean(string text) => text.Replace('\n', ' ').Replace('\r', ' ').Replace('\t', ' ');

    internal static bool TryParse(string line, out int index, out RecipientOutcome outcome)
    {
        outcome = null!;
        var parts = line.Split('\t', 5);
        if (parts.Length != 5 || !int.TryParse(parts[0], out index) || !Enum.TryParse<RecipientStatus>(parts[1], out var status)
            || !long.TryParse(parts[2], out var ms))
        {
            index = -1;
            return false;
        }
        outcome = new RecipientOutcome(status, ReplyLine.Parse(parts[4], status), DateTimeOffset.FromUnixTimeMilliseconds(ms),
            parts[3].Length == 0 ? null : parts[3]);
        return true;
    }
}
