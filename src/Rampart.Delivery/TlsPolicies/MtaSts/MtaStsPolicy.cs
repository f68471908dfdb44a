namespace Rampart.Delivery.TlsPolicies.MtaSts;

/// <summary>RFC 8461 §5: what a policy asks of the sender.</summary>
public enum MtaStsMode { None, Testing, Enforce }

/// <summary>
/// One parsed policy (RFC 8461 §3.2), with the id of the TXT record it was fetched under (§3.1), so that a new id
/// makes the sender fetch again. <see cref="Text"/> is kept to persist it: a restart parses it again, strictly.
/// </summary>
public sealed record MtaStsPolicy(MtaStsMode Mode, IReadOnlyList<string> Mx, TimeSpan MaxAge, string Text)
{
    /// <summary>
    /// RFC 8461 §4.1: an MX host matches a pattern exactly (case-insensitive, a final dot ignored) or, for a pattern
    /// "*.example.com", when only its leftmost label differs: "mx.example.com" matches, "a.b.example.com" and
    /// "example.com" do not.
    /// </summary>
    public bool Matches(string host)
    {
        var name = host.TrimEnd('.');
        foreach (var pattern in Mx)
        {
            if (pattern.StartsWith("*.", StringComparison.Ordinal))
            {
                var dot = name.IndexOf('.');
                if (dot > 0 && name[(dot + 1)..].Equals(pattern[2..], StringComparison.OrdinalIgnoreCase)) return true;
            }
            else if (name.Equals(pattern, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }
}
