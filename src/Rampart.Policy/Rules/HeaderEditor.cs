using System.Text;
using MimeKit;

namespace Rampart.Policy.Rules;

/// <summary>
/// Writes a copy of the message with the header edits of every rule applied in their order: the header section is
/// read field by field (continuation lines kept with their field), edited, written back, and the body copied byte for
/// byte. Added and set fields go at the end of the header section, below the trace fields. Every value written is
/// formatted by MimeKit (RFC 2047 for non-ASCII, folded under 78 columns, CRLF), from configuration values that hold
/// no control character; message data reaches a written field only as the subject's own bytes, or decoded, stripped
/// of controls and encoded again.
/// </summary>
public static class HeaderEditor
{
    /// <summary>The reader's chunk: a longer line comes in several, joined again below.</summary>
    private const int MaxLine = 64 * 1024;

    private sealed record Field(string? Name, byte[] Bytes);

    /// <param name="subject">The first Subject's decoded value (null: none, or unreadable): a prefix it already starts with is not added twice.</param>
    /// <param name="maxHeaderBytes">The most header bytes read (limits.max_header_size plus our own fields on top); past it <see cref="InvalidDataException"/>.</param>
    public static async Task WriteAsync(Stream source, Stream target, IReadOnlyList<HeaderEdit> edits, string? subject, CancellationToken ct, long maxHeaderBytes = long.MaxValue)
    {
        using var input = new HeaderLineReader(source, MaxLine);
        var fields = new List<Field>();
        byte[]? end = null;
        // A line longer than the reader's chunk comes in pieces without LF: they are the same line (the framer allows
        // lines up to max_text_line, 16 MiB), so a long X-Pad: line does not end the header section early and hide the
        // fields below it. maxHeaderBytes bounds what is held; past it the edit is refused, never written partly.
        using var pending = new MemoryStream();
        long total = 0;
        while (await input.ReadLineAsync(ct) is { } chunk)
        {
            total += chunk.Length;
            if (total > maxHeaderBytes) throw new InvalidDataException($"the header section is longer than {maxHeaderBytes} bytes");
            if (chunk[^1] != (byte)'\n')
            {
                pending.Write(chunk);
                continue;
            }
            byte[] line = chunk;
            if (pending.Length > 0)
            {
                pending.Write(chunk);
                line = pending.ToArray();
                pending.SetLength(0);
            }
            if (line.AsSpan().Trim("\r\n"u8).IsEmpty)
            {
                end = line;
                break;
            }
            Take(fields, line);
        }
        // The content ended inside the header section (no body, no final LF): the last line is still a field.
        if (end is null && pending.Length > 0) Take(fields, pending.ToArray());

        var prefixes = new List<string>();
        foreach (var edit in edits)
        {
            switch (edit)
            {
                case RemoveHeaderAction remove:
                    fields.RemoveAll(f => Is(f, remove.Field));
                    break;
                case SetHeaderAction set:
                    fields.RemoveAll(f => Is(f, set.Field));
                    fields.Add(new Field(set.Field, Format(set.Field, set.Value)));
                    break;
                case AddHeaderAction add:
                    fields.Add(new Field(add.Field, Format(add.Field, add.Value)));
                    break;
                case PrependSubjectAction prepend:
                    prefixes.Add(prepend.Prefix);
                    break;
            }
        }
        if (prefixes.Count > 0) Prefix(fields, prefixes, subject);

        foreach (var field in fields) await target.WriteAsync(field.Bytes, ct);
        if (end is not null) await target.WriteAsync(end, ct);
        await input.CopyRestAsync(target, ct);
    }

    /// <summary>A continuation line (leading white space) joins the field above it; any other line starts a field.</summary>
    private static void Take(List<Field> fields, byte[] line)
    {
        if (line[0] is (byte)' ' or (byte)'\t' && fields.Count > 0) fields[^1] = fields[^1] with { Bytes = [.. fields[^1].Bytes, .. line] };
        else fields.Add(new Field(NameOf(line), line));
    }

    /// <summary>
    /// The prefixes of every rule, the last rule's outermost ("[B] [A] subject"), without those the subject already
    /// starts with. An ASCII prefix before an ASCII subject with no encoded word is inserted into the field's own bytes;
    /// otherwise the decoded subject is written again whole, by MimeKit, so an encoded word is never glued to another.
    /// </summary>
    private static void Prefix(List<Field> fields, List<string> prefixes, string? subject)
    {
        var current = subject ?? "";
        var added = "";
        foreach (var prefix in prefixes)
        {
            if ((added + current).StartsWith(prefix, StringComparison.Ordinal)) continue;
            added = prefix + " " + added;
        }
        if (added.Length == 0) return;
        var at = fields.FindIndex(f => Is(f, "Subject"));
        if (at < 0)
        {
            fields.Add(new Field("Subject", Format("Subject", added.TrimEnd())));
            return;
        }
        var bytes = fields[at].Bytes;
        var colon = Array.IndexOf(bytes, (byte)':') + 1;
        var raw = bytes.AsSpan(colon);
        var plain = Ascii.IsValid(added) && Ascii.IsValid(raw) && raw.IndexOf("=?"u8) < 0;
        fields[at] = fields[at] with
        {
            Bytes = plain
                ? [.. "Subject: "u8, .. Encoding.ASCII.GetBytes(added), .. raw.TrimStart(" \t"u8)]
                : Format("Subject", added + Printable(current)),
        };
    }

    /// <summary>"Name: value" + CRLF, the value RFC 2047-encoded where it is not ASCII and folded, by MimeKit.</summary>
    public static byte[] Format(string name, string value)
    {
        var header = new Header(name, "");
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        header.SetValue(format, Encoding.UTF8, value);
        var raw = Encoding.ASCII.GetString(header.RawValue).Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal);
        if (!raw.EndsWith("\r\n", StringComparison.Ordinal)) raw += "\r\n";
        if (!raw.StartsWith(' ')) raw = " " + raw;
        return Encoding.ASCII.GetBytes(name + ":" + raw);
    }

    /// <summary>Message data written again: every control character (an encoded CR or LF, a NUL) becomes a space.</summary>
    private static string Printable(string text) =>
        string.Create(text.Length, text, (span, source) =>
        {
            for (int i = 0; i < span.Length; i++) span[i] = char.IsControl(source[i]) ? ' ' : source[i];
        });

    /// <summary>
    /// A decoded field value on one line (RFC 5322 §2.2.3: unfolding removes the CRLF before white space; MimeKit's
    /// own unfold is internal). A CR or LF that came out of an encoded word goes too, so a value is always one line.
    /// </summary>
    public static string Unfold(string value) => value.Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal);

    private static bool Is(Field field, string name) => string.Equals(field.Name, name, StringComparison.OrdinalIgnoreCase);

    /// <summary>The field name before the colon; null for a line that is not a field.</summary>
    private static string? NameOf(byte[] line)
    {
        var colon = Array.IndexOf(line, (byte)':');
        if (colon <= 0) return null;
        var name = line.AsSpan(0, colon).TrimEnd(" \t"u8);
        return Ascii.IsValid(name) ? Encoding.ASCII.GetString(name) : null;
    }
}
