using System.Text;
using Rampart.Policy.Scoring;

namespace Rampart.Policy.Spam;

/// <summary>
/// Marks a message as spam in its header (tag action): <c>X-Spam-Flag: YES</c> and <c>X-Spam-Status</c> with score,
/// threshold and symbols on top, the Subject optionally prefixed. Any X-Spam-Flag/X-Spam-Status the sender put in are
/// removed, so the fields a mail client filters on are only ever ours. The body is copied unchanged.
/// </summary>
public static class SpamTagger
{
    public const string FlagField = "X-Spam-Flag";
    public const string StatusField = "X-Spam-Status";

    /// <summary>A header line longer than this (no CRLF in it) ends the header scan: the rest is copied as body.</summary>
    private const int MaxLine = 64 * 1024;

    /// <summary>The X-Spam-Status value, folded at 78 columns (RFC 5322 §2.2.3): "Yes, score=7.3 required=5.0 scl=6 tests=A(2),B(1)".</summary>
    public static string Status(Scorecard card, double threshold)
    {
        var required = double.IsFinite(threshold) ? Scorecard.Format(threshold) : "any";
        var text = new StringBuilder($"{StatusField}: Yes, score={Scorecard.Format(card.Score)} required={required} scl={card.Scl} tests=");
        var column = text.Length;
        var symbols = card.SymbolList().Split(',', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < symbols.Length; i++)
        {
            var item = symbols[i] + (i < symbols.Length - 1 ? "," : "");
            if (column + item.Length > 78 && i > 0)
            {
                text.Append("\r\n\t");
                column = 1;
            }
            text.Append(item);
            column += item.Length;
        }
        if (symbols.Length == 0) text.Append("none");
        return text.Append("\r\n").ToString();
    }

    /// <summary>Writes the tagged copy of <paramref name="source"/> to <paramref name="target"/>.</summary>
    public static async Task WriteAsync(Stream source, Stream target, Scorecard card, double threshold, string? subjectPrefix, CancellationToken ct)
    {
        var top = Encoding.ASCII.GetBytes($"{FlagField}: YES\r\n{Status(card, threshold)}");
        await target.WriteAsync(top, ct);
        using var input = new HeaderLineReader(source, MaxLine);
        var dropping = false;
        var prefixed = subjectPrefix is null;
        while (await input.ReadLineAsync(ct) is { } line)
        {
            var isContinuation = line.Length > 0 && line[0] is (byte)' ' or (byte)'\t';
            var isEnd = line.Length == 0 || (line.Length <= 2 && line.All(b => b is (byte)'\r' or (byte)'\n')) || line[^1] != (byte)'\n';
            if (isEnd)
            {
                await target.WriteAsync(line, ct);
                break; // the blank line (or a line too long or unterminated): the rest is body
            }
            if (!isContinuation)
            {
                dropping = IsField(line, FlagField) || IsField(line, StatusField);
                if (!prefixed && IsField(line, "Subject"))
                {
                    line = Prefix(line, subjectPrefix!);
                    prefixed = true;
                }
            }
            if (!dropping) await target.WriteAsync(line, ct);
        }
        await input.CopyRestAsync(target, ct);
    }

    private static bool IsField(byte[] line, string name)
    {
        if (line.Length <= name.Length) return false;
        for (int i = 0; i < name.Length; i++)
        {
            if (char.ToLowerInvariant((char)line[i]) != char.ToLowerInvariant(name[i])) return false;
        }
        var rest = line.AsSpan(name.Length);
        var colon = rest.IndexOf((byte)':');
        return colon >= 0 && rest[..colon].Trim(" \t"u8).IsEmpty;
    }

    /// <summary>"Subject: hello" → "Subject: [SPAM] hello"; an already prefixed subject is left as it is.</summary>
    private static byte[] Prefix(byte[] line, string prefix)
    {
        var colon = Array.IndexOf(line, (byte)':') + 1;
        var start = colon;
        while (start < line.Length && line[start] is (byte)' ' or (byte)'\t') start++;
        var added = Encoding.ASCII.GetBytes(prefix + " ");
        if (line.AsSpan(start).StartsWith(added)) return line;
        return [.. line.AsSpan(0, colon), (byte)' ', .. added, .. line.AsSpan(start)];
    }
}
