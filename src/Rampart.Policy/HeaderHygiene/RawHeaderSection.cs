using System.Text;

namespace Rampart.Policy.HeaderHygiene;

/// <summary>One field of a header section as its bytes (folded lines included); <see cref="Name"/> is "" for a line that is not a field.</summary>
public sealed record RawField(string Name, byte[] Bytes)
{
    /// <summary>The field as text, raw bytes read as Latin-1 (so every byte is one char and nothing is lost).</summary>
    public string Text => Encoding.Latin1.GetString(Bytes);

    public bool Is(string name) => Name.Equals(name, StringComparison.OrdinalIgnoreCase);

    public static RawField Of(string text) => new(text[..text.IndexOf(':')], Encoding.Latin1.GetBytes(text));
}

/// <summary>
/// The top-level header section read field by field, and a copy of the message with the section rewritten: the same
/// folding-aware scan as the Authentication-Results rewrite (a line longer than a read, or one that is not a field,
/// does not end it; the blank line does). The section is held in memory: the framer's limits.max_header_size bounds
/// it. Hand-written rather than MimeKit's HeaderList: that re-serialises fields it parsed, and a rewrite must leave
/// every field it keeps byte for byte as it was (a sender's DKIM signature covers them).
/// </summary>
public static class RawHeaderSection
{
    private const int MaxLine = 64 * 1024;

    /// <summary>The fields, in order.</summary>
    public static async Task<List<RawField>> ReadAsync(Stream source, CancellationToken ct)
    {
        using var reader = new HeaderLineReader(source, MaxLine);
        return (await ReadSectionAsync(reader, ct)).Fields;
    }

    /// <summary>Copies <paramref name="source"/> with its fields replaced by what <paramref name="rewrite"/> makes of them.</summary>
    public static async Task WriteAsync(Stream source, Stream target, Func<List<RawField>, IEnumerable<RawField>> rewrite, CancellationToken ct)
    {
        using var reader = new HeaderLineReader(source, MaxLine);
        var (fields, end) = await ReadSectionAsync(reader, ct);
        foreach (var field in rewrite(fields)) await target.WriteAsync(field.Bytes, ct);
        await target.WriteAsync(end, ct);
        await reader.CopyRestAsync(target, ct);
    }

    private static async Task<(List<RawField> Fields, byte[] End)> ReadSectionAsync(HeaderLineReader reader, CancellationToken ct)
    {
        var fields = new List<RawField>();
        var current = new List<byte[]>();
        var lastComplete = true;
        void Flush()
        {
            if (current.Count == 0) return;
            var bytes = HeaderLineReader.Join(current);
            fields.Add(new RawField(NameOf(bytes), bytes));
            current.Clear();
        }
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (current.Count > 0 && (!lastComplete || line[0] is (byte)' ' or (byte)'\t'))
            {
                current.Add(line);
                lastComplete = line[^1] == (byte)'\n';
                continue;
            }
            Flush();
            if (lastComplete && HeaderLineReader.IsBlank(line)) return (fields, line);
            current.Add(line);
            lastComplete = line[^1] == (byte)'\n';
        }
        Flush();
        return (fields, []);
    }

    /// <summary>RFC 5322 §3.6.8: printable ASCII but ':' up to the colon (white space before it tolerated, as readers do).</summary>
    private static string NameOf(byte[] field)
    {
        var colon = Array.IndexOf(field, (byte)':');
        if (colon <= 0) return "";
        var name = Encoding.Latin1.GetString(field, 0, colon).TrimEnd(' ', '\t');
        return name.Length > 0 && name.AsSpan().IndexOfAnyExceptInRange('!', '~') < 0 ? name : "";
    }
}
