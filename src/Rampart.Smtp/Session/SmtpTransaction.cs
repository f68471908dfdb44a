using Rampart.Mail;
using Rampart.Smtp.Protocol;

namespace Rampart.Smtp.Session;

/// <summary>
/// One MAIL ... DATA/BDAT LAST exchange: everything the session knows about it lives here, created at MAIL and
/// dropped at RSET, HELO/EHLO, STARTTLS, the end of the message or of the connection. Hosts read the envelope
/// and the counts; the content's plumbing (sink, framer, buffer) is the engine's and stays internal.
/// </summary>
public sealed class SmtpTransaction(Sender sender, DateTimeOffset startedAt)
{
    public Sender Sender { get; } = sender;
    public DateTimeOffset StartedAt { get; } = startedAt;
    public List<Recipient> Recipients { get; } = [];
    public int RejectedRecipients { get; set; }

    /// <summary>Content size after unstuffing, including the Received header the engine added.</summary>
    public long Size { get; set; }

    /// <summary>The length of the Received field this gateway wrote at the start of the content (the rest is the client's).</summary>
    public int TraceLength { get; set; }

    /// <summary>8-bit bytes were seen; with BODY=7BIT the next hop may need a conversion.</summary>
    public bool HasEightBitContent { get; set; }

    /// <summary>Where the content goes, from DATA (or the first BDAT) to the end of the message; null before.</summary>
    internal IMessageSink? Sink { get; set; }

    /// <summary>The framing of the content; for BDAT it carries over from chunk to chunk.</summary>
    internal ContentFramer? Framer { get; set; }

    /// <summary>Unstuffed content between drains to the sink; rented for this message only.</summary>
    internal ContentBuffer? Buffer { get; set; }

    /// <summary>The spool failed under the message (disk full, I/O error): it is read to its end, then 451.</summary>
    internal bool SpoolFault { get; set; }

    /// <summary>When the content must be complete (<see cref="SmtpLimits.MaxDataDuration"/>); null until it starts.</summary>
    internal DateTimeOffset? ContentDeadline { get; set; }

    /// <summary>The sink, if the message was opened, handed over once: whoever takes it disposes it.</summary>
    internal IMessageSink? TakeSink()
    {
        var sink = Sink;
        Sink = null;
        return sink;
    }

    /// <summary>Disposes what the content held: an uncommitted sink discards its message, the buffer goes back to the pool.</summary>
    internal async ValueTask ReleaseAsync()
    {
        Framer = null;
        ContentDeadline = null;
        Buffer?.Dispose();
        Buffer = null;
        if (TakeSink() is { } sink) await sink.DisposeAsync();
    }
}
