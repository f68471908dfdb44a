using System.Text;
using Rampart.Mail;

namespace Rampart.Policy.SenderAuth;

/// <summary>
/// Our Authentication-Results field (RFC 8601): the authserv-id, then one "method=result" per recorded outcome with
/// its reason and properties, one per folded line. <see cref="WriteAsync"/> puts it on top of the message and drops
/// every incoming field that claims our authserv-id (§5: "MUST ... delete ... or otherwise render unusable"), since
/// a reader's mail client would trust it as ours. Fields with any other id are kept.
/// </summary>
public static class AuthResultsField
{
    public const string Name = "Authentication-Results";

    /// <summary>The longest piece of a line read at once; a longer line is read in pieces.</summary>
    private const int MaxLine = 64 * 1024;

    /// <summary>The bytes <see cref="WriteAsync"/> puts on top for <paramref name="field"/>.</summary>
    public static int ByteCount(string field) => Encoding.ASCII.GetByteCount(field);

    public static string Format(string authservId, IEnumerable<AuthResult> results)
    {
        var text = new StringBuilder($"{Name}: {authservId}");
        var any = false;
        foreach (var r in results)
        {
            any = true;
            text.Append(";\r\n\t").Append(Token(r.Method)).Append('=').Append(Token(r.Result));
            if (r.Reason is { } reason) text.Append(" reason=").Append(Quoted(reason));
            foreach (var (key, value) in r.Properties ?? []) text.Append(' ').Append(Token(key)).Append('=').Append(Value(value));
        }
        if (!any) text.Append("; none"); // §2.2: no results
        return text.Append("\r\n").ToString();
    }

    /// <summary>
    /// Copies <paramref name="source"/> to <paramref name="target"/> with <paramref name="field"/> on top and forged
    /// fields removed; returns how many were. The whole header section is scanned, up to the blank line: a line that
    /// is not a field, or longer than a read, does not end the scan, so no forged field can hide behind one. A field
    /// is held whole until the next one starts; the framer's limits.max_header_size bounds it.
    /// </summary>
    public static async Task<int> WriteAsync(Stream source, Stream target, string field, string authservId, CancellationToken ct)
    {
        await target.WriteAsync(Encoding.ASCII.GetBytes(field), ct);
        using var input = new HeaderLineReader(source, MaxLine);
        var current = new List<byte[]>();
        var lastComplete = true;
        var removed = 0;
        async Task FlushAsync()
        {
            if (current.Count > 0 && IsForged(current, authservId)) removed++;
            else foreach (var part in current) await target.WriteAsync(part, ct);
            current.Clear();
        }
        while (await input.ReadLineAsync(ct) is { } line)
        {
            // The rest of a line longer than a read, or a folded line (RFC 5322 §2.2.3): the same field.
            if (current.Count > 0 && (!lastComplete || line[0] is (byte)' ' or (byte)'\t'))
            {
                current.Add(line);
                lastComplete = line[^1] == (byte)'\n';
                continue;
            }
            await FlushAsync();
            if (lastComplete && HeaderLineReader.IsBlank(line))
            {
                await target.WriteAsync(line, ct);
                break; // the blank line: the rest is body
            }
            current.Add(line);
            lastComplete = line[^1] == (byte)'\n';
        }
        await FlushAsync();
        await input.CopyRestAsync(target, ct);
        return removed;
    }

    private static bool IsForged(List<byte[]> field, string authservId)
    {
        // The name is judged from the first piece when its colon is there (every field but a hostile one): the other
        // fields of the section are not copied and decoded for nothing.
        var colon = Array.IndexOf(field[0], (byte)':');
        if (colon > 0 && !IsOurName(Encoding.Latin1.GetString(field[0], 0, colon))) return false;
        var text = Encoding.Latin1.GetString(HeaderLineReader.Join(field));
        colon = text.IndexOf(':');
        if (colon <= 0 || !IsOurName(text[..colon])) return false;
        return Comparable(AuthservIdOf(text[(colon + 1)..])) == Comparable(authservId);
    }

    private static bool IsOurName(string name) => name.Trim().Equals(Name, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The first word after any comments (§2.2 authserv-id, CFWS allowed before it). Bounded by the field's length;
    /// nested comments are followed to any depth the field has.
    /// </summary>
    internal static string AuthservIdOf(string value)
    {
        var i = 0;
        var depth = 0;
        while (i < value.Length)
        {
            var c = value[i];
            if (c == '(') depth++;
            else if (c == ')' && depth > 0) depth--;
            else if (c == '\\' && depth > 0) i++;
            else if (depth == 0 && !IsFoldingSpace(c)) break;
            i++;
        }
        var start = i;
        while (i < value.Length && !IsFoldingSpace(value[i]) && value[i] is not ';' and not '(') i++;
        return value[start..Math.Min(i, value.Length)];
    }

    /// <summary>
    /// Case, a final dot and look-alikes (full-width letters, other scripts' letters, punycode) do not make an id
    /// another one: "ＭＸ.example.com." claims to be "mx.example.com" to any reader. The senders' filter's skeleton
    /// (<see cref="Senders.DomainSkeleton"/>) decides, as it does for look-alikes of our domains.
    /// </summary>
    private static string Comparable(string id) =>
        Senders.DomainSkeleton.Of(Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(id))); // the raw bytes were read as Latin-1

    /// <summary>RFC 5322 FWS only: the text is raw bytes read as Latin-1, where char.IsWhiteSpace would also take 0x85 and 0xA0, bytes of UTF-8 letters.</summary>
    private static bool IsFoldingSpace(char c) => c is ' ' or '\t' or '\r' or '\n';

    private static readonly System.Buffers.SearchValues<char> TokenChars =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._");

    private static string Token(string word)
    {
        if (!word.AsSpan().ContainsAnyExcept(TokenChars)) return word;
        var kept = new StringBuilder(word.Length);
        foreach (var c in word)
        {
            if (TokenChars.Contains(c)) kept.Append(c);
        }
        return kept.ToString();
    }

    /// <summary>§2.2 pvalue: a dot-atom, an address, or else a quoted string.</summary>
    private static string Value(string value)
    {
        var v = PrintableText.Cut(value, 254);
        return v.Length > 0 && v.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '@' or '+') ? v : Quoted(v);
    }

    private static string Quoted(string text) =>
        "\"" + PrintableText.Cut(text, 200).Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
