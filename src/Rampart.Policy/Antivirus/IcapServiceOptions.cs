namespace Rampart.Policy.Antivirus;

/// <summary>What an ICAP service said in its OPTIONS response (RFC 3507 §4.10.2), and until when it holds.</summary>
internal sealed record IcapServiceOptions(
    bool Respmod,
    int? Preview,
    bool Allow204,
    string? IsTag,
    int? MaxConnections,
    DateTimeOffset Expires)
{
    /// <summary>
    /// Without Options-TTL the options are "valid until further notice" (§4.10.2); we still ask again after an
    /// hour, so a reconfigured server is noticed without restarting the gateway.
    /// </summary>
    private static readonly TimeSpan LongestTtl = TimeSpan.FromHours(1);

    public static IcapServiceOptions From(IcapResponse response, DateTimeOffset now)
    {
        if (response.Status != 200) throw new IcapProtocolException($"OPTIONS answered {response.Status} {IcapResponseReader.Printable(response.Reason)}");
        var methods = response.Header("Methods") ?? "";
        var ttl = int.TryParse(response.Header("Options-TTL"), out var seconds) && seconds >= 0
            ? TimeSpan.FromSeconds(Math.Min(seconds, LongestTtl.TotalSeconds))
            : LongestTtl;
        return new IcapServiceOptions(
            Respmod: methods.Split(',', StringSplitOptions.TrimEntries).Contains("RESPMOD", StringComparer.OrdinalIgnoreCase),
            Preview: int.TryParse(response.Header("Preview"), out var preview) && preview >= 0 ? preview : null,
            // "Allow: 204" in OPTIONS: the service may answer 204 outside a preview (§4.10.2).
            Allow204: (response.Header("Allow") ?? "").Split(',', StringSplitOptions.TrimEntries).Contains("204"),
            IsTag: response.Header("ISTag")?.Trim('"'),
            MaxConnections: int.TryParse(response.Header("Max-Connections"), out var max) && max > 0 ? max : null,
            Expires: now + ttl);
    }
}
