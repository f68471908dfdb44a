namespace Rampart.Tracking;

/// <summary>
/// The words events are stored and shown with (RECEIVE, inbound), one place for the store, the API's JSON and the CLI,
/// so a search written by hand matches what a listing shows.
/// </summary>
public static class TrackingNames
{
    // Made once: the writer names every row it stores.
    private static readonly string[] KindNames = [.. Enum.GetValues<TrackingEventKind>().Select(k => k.ToString().ToUpperInvariant())];

    public static string Of(TrackingEventKind kind) => (int)kind >= 0 && (int)kind < KindNames.Length ? KindNames[(int)kind] : kind.ToString().ToUpperInvariant();

    public static string Of(TrackingDirection direction) => direction == TrackingDirection.Inbound ? "inbound" : "outbound";

    public static bool TryParseKind(string? text, out TrackingEventKind kind) =>
        Enum.TryParse(text, ignoreCase: true, out kind) && Enum.IsDefined(kind) && !text!.Any(char.IsDigit);

    public static TrackingDirection? ParseDirection(string? text) => text switch
    {
        "inbound" => TrackingDirection.Inbound,
        "outbound" => TrackingDirection.Outbound,
        _ => null,
    };

    /// <summary>
    /// A refusal's reason as the statistics rank it: the reply without what differs between two sessions refused for
    /// the same reason (Rampart's "; id …" suffix, which names the session).
    /// </summary>
    public static string ReasonOf(string reply)
    {
        int id = reply.IndexOf("; id ", StringComparison.Ordinal);
        var reason = id < 0 ? reply : reply[..id];
        return reason.Length > 200 ? reason[..200] : reason;
    }

    /// <summary>A Message-ID as searched and stored: the id without its angle brackets and surrounding white space.</summary>
    public static string BareMessageId(string value)
    {
        var id = value.Trim();
        if (id.Length >= 2 && id[0] == '<' && id[^1] == '>') id = id[1..^1];
        return id;
    }

    /// <summary>Addresses are compared case-insensitively (as users and most MTAs do, RFC 5321 §2.4 notwithstanding).</summary>
    public static string AddressKey(string address) => address.ToLowerInvariant();
}
