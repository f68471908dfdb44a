using System.Text;
using Rampart.Mail;
using Rampart.Queue;

namespace Rampart.QueueAdmin;

/// <summary>Spool files and delivery's state turned into the views `list` and `show` print.</summary>
public static class QueueProjection
{
    private const int HeaderCap = 64 * 1024;

    /// <summary>
    /// A message of active/. <paramref name="inFlight"/> and <paramref name="dueAt"/> come from the running delivery
    /// agent (false and null for a stopped gateway: then the next attempt is the one the .rcpt log recorded).
    /// </summary>
    public static QueueMessageView FromEntry(QueueEntry entry, bool inFlight, DateTimeOffset? dueAt)
    {
        var envelope = entry.Message.Envelope;
        var recipients = envelope.Recipients.Select((r, i) => Recipient(r, entry.State.Outcomes.GetValueOrDefault(i))).ToList();
        string state = entry.Hold is not null ? QueueStates.Held
            : inFlight || entry.State.Attempts == 0 ? QueueStates.Active
            : QueueStates.Deferred;
        return new QueueMessageView(entry.QueueId, state, envelope.ReceivedAt, entry.Message.ContentLength, SenderText(envelope),
            recipients, Destinations(envelope, recipients), entry.State.Attempts,
            entry.Hold is null ? dueAt ?? entry.State.NextAttemptAt : null, entry.Hold is not null, entry.Hold?.By, null);
    }

    /// <summary>A message a filter held in quarantine/.</summary>
    public static QueueMessageView FromQuarantined(QueuedMessage message)
    {
        var envelope = message.Envelope;
        var recipients = envelope.Recipients.Select(r => Recipient(r, null)).ToList();
        return new QueueMessageView(message.QueueId, QueueStates.Quarantined, envelope.ReceivedAt, message.ContentLength, SenderText(envelope),
            recipients, Destinations(envelope, recipients), 0, null, true, envelope.Quarantine?.Filters is { } f ? string.Join(", ", f) : null,
            envelope.Quarantine?.Reason);
    }

    public static async Task<QueueMessageDetail> DetailAsync(QueuedMessage message, QueueMessageView view, CancellationToken ct)
    {
        var e = message.Envelope;
        var envelope = new EnvelopeView(e.Listener, e.Role.ToString().ToLowerInvariant(), e.ClientAddress, e.HeloName, e.TlsProtocol,
            e.AuthenticatedUser, e.IsNotice, e.ReleasedFrom?.Reason);
        return new QueueMessageDetail(view, envelope, await HeaderAsync(message, ct));
    }

    /// <summary>The header block as received, capped: a hostile message must not flood the administrator's screen.</summary>
    private static async Task<string> HeaderAsync(QueuedMessage message, CancellationToken ct)
    {
        await using var content = message.OpenContent();
        return await HeaderBlockAsync(content, ct);
    }

    /// <summary>The header block at the start of <paramref name="content"/> (its CRLFs kept), at most <see cref="HeaderCap"/> bytes read.</summary>
    internal static async Task<string> HeaderBlockAsync(Stream content, CancellationToken ct)
    {
        var buffer = new byte[HeaderCap];
        int length = await content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct);
        var text = Encoding.UTF8.GetString(buffer, 0, length);
        int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return end >= 0 ? text[..(end + 2)] : text;
    }

    private static RecipientView Recipient(Recipient recipient, RecipientOutcome? outcome) => outcome is null
        ? new RecipientView(recipient.Address, "pending", null, null, null)
        : new RecipientView(recipient.Address, outcome.Status switch
        {
            RecipientStatus.Delivered => "delivered",
            RecipientStatus.PermanentFailure => "failed",
            RecipientStatus.TemporaryFailure => "deferred",
            _ => "pending",
        }, outcome.Reply.ToString(), outcome.At, outcome.RemoteMta);

    private static string SenderText(QueuedEnvelope envelope) => envelope.Sender.Address.Length == 0 ? "<>" : envelope.Sender.Address;

    private static IReadOnlyList<string> Destinations(QueuedEnvelope envelope, List<RecipientView> recipients) =>
        envelope.Recipients.Where((_, i) => recipients[i].State is "pending" or "deferred")
            .Select(r => r.Domain.ToLowerInvariant()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
}
