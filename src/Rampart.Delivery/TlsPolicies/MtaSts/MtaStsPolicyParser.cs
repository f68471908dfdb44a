using System.Globalization;

namespace Rampart.Delivery.TlsPolicies.MtaSts;

/// <summary>
/// Reads an MTA-STS policy file (RFC 8461 §3.2) strictly, as a value or a named refusal: anything a fetcher could
/// be tricked into accepting (a NUL, a lone CR, a duplicate mode, a wildcard in the middle of a pattern, a max_age
/// beyond a year) is refused, since a wrong policy either drops mail (enforce with bad patterns) or silently
/// removes protection. Hand-written: the format is six lines of key: value, and no .NET library reads it.
/// </summary>
public static class MtaStsPolicyParser
{
    /// <summary>§3.2: "max_age ... up to 31557600" (about a year).</summary>
    public const long MaxMaxAge = 31_557_600;

    public static MtaStsPolicy? Parse(string text, out string? error)
    {
        error = Check(text, out var policy);
        return error is null ? policy : null;
    }

    private static string? Check(string text, out MtaStsPolicy? policy)
    {
        policy = null;
        string? version = null, mode = null, maxAge = null;
        var mx = new List<string>();
        // §3.2 ABNF: fields end in CRLF or LF; a CR anywhere else is not a line end we agree with the publisher on.
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.Length == 0)
            {
                // Only the final delimiter may leave an empty "line".
                if (i == lines.Length - 1) continue;
                return $"line {i + 1} is empty";
            }
            if (line.Any(c => c > '~' || (c < ' ' && c != '\t'))) return $"line {i + 1} holds a control or non-ASCII character";
            int colon = line.IndexOf(':');
            if (colon <= 0) return $"line {i + 1} is not \"key: value\"";
            var key = line[..colon].TrimEnd(' ', '\t');
            var value = line[(colon + 1)..].Trim(' ', '\t');
            if (key.Length == 0 || key.Length > 32 || !key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            {
                return $"line {i + 1}: '{key}' is not a field name";
            }
            if (value.Length == 0) return $"line {i + 1}: {key} has no value";
            // §3.2's keys and words are ABNF quoted strings, which are case-insensitive (RFC 5234 §2.3).
            switch (key.ToLowerInvariant())
            {
                // RFC 8461 says nothing of a repeated field other than mx; two modes could be read either way, so none is taken.
                case "version":
                    if (version is not null) return "version appears twice";
                    version = value;
                    break;
                case "mode":
                    if (mode is not null) return "mode appears twice";
                    mode = value;
                    break;
                case "max_age":
                    if (maxAge is not null) return "max_age appears twice";
                    maxAge = value;
                    break;
                case "mx":
                    if (!IsMxPattern(value)) return $"mx '{value}' is not a host name or \"*.\" followed by one";
                    mx.Add(value.TrimEnd('.').ToLowerInvariant());
                    break;
                default:
                    // §3.2: unknown fields are ignored (extensions), but their value must still be printable.
                    break;
            }
        }
        if (!"STSv1".Equals(version, StringComparison.OrdinalIgnoreCase)) return version is null ? "version is missing" : $"version '{version}' is not STSv1";
        MtaStsMode parsedMode;
        switch (mode?.ToLowerInvariant())
        {
            case "enforce": parsedMode = MtaStsMode.Enforce; break;
            case "testing": parsedMode = MtaStsMode.Testing; break;
            case "none": parsedMode = MtaStsMode.None; break;
            case null: return "mode is missing";
            default: return $"mode '{mode}' is not enforce, testing or none";
        }
        if (maxAge is null) return "max_age is missing";
        // §3.2: 1*10DIGIT, at most 31557600: no sign, no spaces, no exponent.
        if (maxAge.Length > 10 || !maxAge.All(char.IsAsciiDigit)) return $"max_age '{maxAge}' is not a number of seconds";
        var seconds = long.Parse(maxAge, CultureInfo.InvariantCulture);
        if (seconds > MaxMaxAge) return $"max_age {seconds} is over {MaxMaxAge} s (one year)";
        if (parsedMode != MtaStsMode.None && mx.Count == 0) return "no mx pattern";
        policy = new MtaStsPolicy(parsedMode, mx, TimeSpan.FromSeconds(seconds), text);
        return null;
    }

    /// <summary>§3.2: an mx value is a domain, optionally "*." then a domain: the wildcard only as the whole first label.</summary>
    internal static bool IsMxPattern(string value)
    {
        var name = value.StartsWith("*.", StringComparison.Ordinal) ? value[2..] : value;
        if (name.EndsWith('.')) name = name[..^1];
        if (name.Length is 0 or > 253) return false;
        var labels = name.Split('.');
        // A bare TLD would let "*.com" stand for every host under it: at least two labels.
        if (labels.Length < 2) return false;
        return labels.All(IsLabel);
    }

    private static bool IsLabel(string label) =>
        label.Length is >= 1 and <= 63 && label[0] != '-' && label[^1] != '-' && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');
}
