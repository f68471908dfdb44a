namespace Rampart.Policy.HeaderHygiene;

/// <summary>The <c>header_hygiene:</c> section.</summary>
public sealed record HeaderHygieneOptions
{
    /// <summary>
    /// The verdict fields Rampart writes (SpamTagger's X-Spam-Flag and X-Spam-Status; X-Rampart-* of its notices):
    /// from outside they are forgeries a mail client or a later filter would trust. Authentication-Results claiming our
    /// authserv-id is sender_auth's to remove (it knows the id), so it is not here.
    /// </summary>
    public static readonly IReadOnlyList<string> DefaultInboundRemove = ["X-Spam-Flag", "X-Spam-Status", "X-Rampart-*"];

    /// <summary>Field names ("X-Rampart-*": a prefix) removed from mail arriving on inbound listeners; empty: none.</summary>
    public IReadOnlyList<string> InboundRemove { get; init; } = DefaultInboundRemove;

    public bool RemoveInternalReceived { get; init; }
    public bool HideClientAddress { get; init; }
    public bool AddMessageId { get; init; }
    public bool AddDate { get; init; }

    public bool AnyOutbound => RemoveInternalReceived || HideClientAddress || AddMessageId || AddDate;

    public bool RemovesInbound(string name) => InboundRemove.Any(p => p.EndsWith('*')
        ? name.StartsWith(p[..^1], StringComparison.OrdinalIgnoreCase)
        : name.Equals(p, StringComparison.OrdinalIgnoreCase));
}
