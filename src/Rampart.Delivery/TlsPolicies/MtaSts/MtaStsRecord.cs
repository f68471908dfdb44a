namespace Rampart.Delivery.TlsPolicies.MtaSts;

/// <summary>
/// The _mta-sts TXT record (RFC 8461 §3.1): "v=STSv1; id=20160831085700Z;". Only its id matters to a sender: a
/// changed id means a new policy to fetch. Hand-written like the policy parser (no library reads it).
/// </summary>
public static class MtaStsRecord
{
    /// <summary>
    /// The id of the one STSv1 record among the TXT strings, or null with the reason. §3.1: records that do not
    /// begin with "v=STSv1;" are ignored; more than one that does means no policy at all.
    /// </summary>
    public static string? Id(IReadOnlyList<string> texts, out string? error)
    {
        // "v=STSv1;" exactly (or the whole record "v=STSv1"): "v=STSv10; ..." is another version, not a candidate.
        var candidates = texts.Where(t => t.StartsWith("v=STSv1;", StringComparison.Ordinal) || t == "v=STSv1").ToList();
        error = candidates.Count switch
        {
            0 => "no v=STSv1 record",
            > 1 => $"{candidates.Count} v=STSv1 records (RFC 8461 §3.1: then there is no policy)",
            _ => null,
        };
        if (error is not null) return null;
        string? id = null;
        var fields = candidates[0].Split(';');
        for (int i = 0; i < fields.Length; i++)
        {
            var field = fields[i].Trim(' ', '\t');
            if (field.Length == 0)
            {
                if (i == fields.Length - 1) break;
                error = "an empty field";
                return null;
            }
            int eq = field.IndexOf('=');
            if (eq <= 0)
            {
                error = $"'{field}' is not key=value";
                return null;
            }
            var key = field[..eq];
            var value = field[(eq + 1)..];
            if (i == 0)
            {
                if (key != "v" || value != "STSv1")
                {
                    error = "v=STSv1 is not the first field";
                    return null;
                }
            }
            else if (key == "id")
            {
                // §3.1: sts-id = 1*32(ALPHA / DIGIT).
                if (id is not null || value.Length is 0 or > 32 || !value.All(char.IsAsciiLetterOrDigit))
                {
                    error = id is not null ? "id appears twice" : $"id '{value}' is not 1-32 letters and digits";
                    return null;
                }
                id = value;
            }
        }
        if (id is null) error = "no id";
        return id;
    }
}
