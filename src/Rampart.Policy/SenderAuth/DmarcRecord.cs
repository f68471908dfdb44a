namespace Rampart.Policy.SenderAuth;

public enum DmarcPolicy { None, Quarantine, Reject }

/// <summary>
/// A DMARC policy record (RFC 7489 §6.3): the tags that decide what a receiver does. Reporting tags (rua, ruf, fo,
/// rf, ri) are accepted and ignored: Rampart sends no reports.
/// </summary>
public sealed record DmarcRecord(DmarcPolicy Policy, DmarcPolicy? SubdomainPolicy, int Percent, bool StrictDkim, bool StrictSpf)
{
    /// <summary>Published records are a few hundred characters; more is junk we need not parse.</summary>
    public const int MaxLength = 2048;

    /// <summary>The record, or null when the text is not a DMARC record (§6.6.3: such records are discarded).</summary>
    public static DmarcRecord? Parse(string text)
    {
        if (text.Length > MaxLength) return null;
        var tags = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var first = true;
        foreach (var part in text.Split(';'))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0)
            {
                if (part.Trim().Length == 0) continue;
                return null;
            }
            var name = part[..eq].Trim();
            var value = part[(eq + 1)..].Trim();
            // §6.4: v=DMARC1 must come first, exactly.
            if (first && !(name == "v" && value == "DMARC1")) return null;
            first = false;
            tags.TryAdd(name, value);
        }
        if (first) return null;
        // §6.6.3 step 6: a missing or unknown p= is p=none when a valid rua is given; otherwise the record is ignored
        // (dmarc=none, as if unpublished, not a policy of none that scores DMARC_POLICY_NONE).
        var given = PolicyOf(tags.GetValueOrDefault("p"));
        if (given is null && !ValidRua(tags.GetValueOrDefault("rua"))) return null;
        var policy = given ?? DmarcPolicy.None;
        var sub = PolicyOf(tags.GetValueOrDefault("sp"));
        var percent = int.TryParse(tags.GetValueOrDefault("pct"), out var p) && p is >= 0 and <= 100 ? p : 100;
        return new DmarcRecord(policy, sub, percent,
            StrictDkim: string.Equals(tags.GetValueOrDefault("adkim"), "s", StringComparison.OrdinalIgnoreCase),
            StrictSpf: string.Equals(tags.GetValueOrDefault("aspf"), "s", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>§6.3 rua: a comma-separated list of URIs (RFC 3986 scheme ":" ...), each with an optional "!size".</summary>
    private static bool ValidRua(string? value) =>
        value is { Length: > 0 } && value.Split(',').All(uri =>
        {
            var u = uri.Trim();
            var colon = u.IndexOf(':');
            return colon > 0 && colon < u.Length - 1 && char.IsAsciiLetter(u[0])
                && u[..colon].All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.') && !u.Any(char.IsWhiteSpace);
        });

    private static DmarcPolicy? PolicyOf(string? word) => word?.ToLowerInvariant() switch
    {
        "none" => DmarcPolicy.None,
        "quarantine" => DmarcPolicy.Quarantine,
        "reject" => DmarcPolicy.Reject,
        _ => null,
    };
}
