namespace Rampart.Policy.SenderAuth;

/// <summary>
/// The tag=value list of a DKIM-Signature, ARC-Seal or ARC-Message-Signature (RFC 6376 §3.2), read only for the
/// tags we need before MimeKit verifies (d=, s=, i=, l=): whitespace removed, a repeated tag makes the list invalid.
/// </summary>
public static class SignatureTags
{
    public static IReadOnlyDictionary<string, string>? Parse(string value)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in value.Split(';'))
        {
            if (part.Trim().Length == 0) continue;
            var eq = part.IndexOf('=');
            if (eq <= 0) return null;
            var name = part[..eq].Trim();
            var tagValue = string.Concat(part[(eq + 1)..].Where(c => !char.IsWhiteSpace(c)));
            if (!tags.TryAdd(name, tagValue)) return null; // §3.2: "Tags with duplicate names MUST NOT occur"
        }
        return tags;
    }
}
