using System.Text.Json.Serialization;
using Rampart.Mail;

namespace Rampart.Queue;

/// <summary>Everything known about an accepted message except its content; stored with it in the spool file.</summary>
public sealed record QueuedEnvelope
{
    public required string QueueId { get; init; }
    public required string Listener { get; init; }
    public required ListenerRole Role { get; init; }
    public required string ClientAddress { get; init; }
    public string? HeloName { get; init; }
    public string? TlsProtocol { get; init; }
    public string? AuthenticatedUser { get; init; }
    public required Sender Sender { get; init; }
    public required IReadOnlyList<Recipient> Recipients { get; init; }
    public required DateTimeOffset ReceivedAt { get; init; }
    public bool EightBitContent { get; init; }

    /// <summary>
    /// A delivery status notification the gateway wrote itself (from the null sender). If one of these cannot be
    /// delivered, the postmaster gets a copy instead; if that fails too, it is logged and dropped (no mail loop).
    /// </summary>
    public bool IsNotice { get; init; }

    /// <summary>Set while a filter holds the message in quarantine/; delivery never sees it until it is released.</summary>
    public QuarantineHold? Quarantine { get; init; }

    /// <summary>
    /// The named route every recipient takes, whatever the routing table says (a transport rule's "route through");
    /// null: the table decides. Spool files written before it existed have none and read as null.
    /// </summary>
    public string? Route { get; init; }

    /// <summary>Why the message was held before an administrator or a rescan released it (kept for tracing).</summary>
    public QuarantineHold? ReleasedFrom { get; init; }
}

[JsonSourceGenerationOptions(UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(QueuedEnvelope))]
internal sealed partial class QueueJson : JsonSerializerContext;
