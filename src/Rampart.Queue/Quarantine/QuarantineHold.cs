using Rampart.Mail;

// In the queue's namespace, beside QueuedEnvelope: it is part of the envelope that every spool file carries.
namespace Rampart.Queue;

/// <summary>
/// Why a message is in quarantine: the filters that held it (the <see cref="QuarantineReason.Hold"/> names), their
/// reasons joined with "; ", and when. Stored as JSON in the spool file; the names and texts are those of
/// <see cref="QuarantineReason"/>, so files written before it existed read the same.
/// </summary>
public sealed record QuarantineHold(string Reason, IReadOnlyList<string> Filters, DateTimeOffset At)
{
    /// <summary>Held only because no virus scanner could give a verdict: a rescan that comes out clean releases it.</summary>
    /// <remarks>Serialised too (a public property), as it always was; reading ignores it.</remarks>
    public bool AwaitingScan => Filters.Count > 0 && Filters.All(QuarantineReason.AwaitsScan);

    /// <summary>True when this reason is already part of the hold (a rescan finding the same virus again).</summary>
    public bool Mentions(QuarantineReason reason) => Reason.Contains(reason.Text, StringComparison.Ordinal);

    /// <summary>
    /// The hold once a rescan found <paramref name="found"/>: it replaces a wait for a verdict (which has one now),
    /// and is added to any other reason, so nobody releases the message for the old reason alone.
    /// </summary>
    public QuarantineHold Adding(QuarantineReason found, DateTimeOffset at)
    {
        var filters = Filters.Where(f => !QuarantineReason.AwaitsScan(f)).Append(found.Hold).Distinct().ToList();
        return new QuarantineHold(AwaitingScan ? found.Text : $"{Reason}; {found.Text}", filters, at);
    }
}
