using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using MimeKit.Encodings;

namespace Rampart.Policy.Attachments;

/// <summary>One uuencoded file found in a text body: the name from its begin line and the decoded bytes.</summary>
internal sealed record UuencodedBlock(string Name, byte[] Bytes);

/// <summary>
/// Finds "begin &lt;mode&gt; &lt;name&gt;" ... "end" blocks (POSIX uuencode) in decoded text and decodes them with
/// MimeKit's UUDecoder. A block with no end line is decoded as far as it goes: a truncated file is still a file.
/// Lines end at CR, LF or CRLF, as a text reader splits them, so a block cannot hide behind bare CRs.
/// The text is read as bytes, a line at a time, and only a line that starts with "begin " becomes a string: every
/// text/plain body of every message passes through here, and the string-per-line reader it replaced cost 100 KiB
/// messages more CPU than their MIME parse (perf, 100 KiB × 50 sessions).
/// </summary>
internal static partial class UuencodedBlocks
{
    public static async IAsyncEnumerable<UuencodedBlock> FindAsync(Stream text, [EnumeratorCancellation] CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        var search = new BlockSearch();
        try
        {
            int start = 0, end = 0;
            bool atEnd = false, skipping = false;
            while (true)
            {
                var line = NextLine(buffer, ref start, end, atEnd, ref skipping);
                if (line is { } range)
                {
                    if (search.Take(buffer.AsSpan(range)) is { } block) yield return block;
                    continue;
                }
                if (atEnd) break;
                if (start > 0)
                {
                    buffer.AsSpan(start, end - start).CopyTo(buffer);
                    end -= start;
                    start = 0;
                }
                int read = await text.ReadAsync(buffer.AsMemory(end), ct);
                if (read == 0) atEnd = true;
                end += read;
            }
            if (search.Finish() is { } last) yield return last;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The next whole line in buffer[start..end] (without its end), or null when more bytes are needed. A line longer
    /// than <see cref="MaxLine"/> is text, not uuencode: its bytes are dropped as they come and the line is skipped.
    /// </summary>
    private static Range? NextLine(byte[] buffer, ref int start, int end, bool atEnd, ref bool skipping)
    {
        while (true)
        {
            var pending = buffer.AsSpan(start, end - start);
            int at = pending.IndexOfAny((byte)'\r', (byte)'\n');
            if (at < 0)
            {
                if (atEnd && pending.Length > 0 && !skipping)
                {
                    var last = new Range(start, end);
                    start = end;
                    return last;
                }
                if (atEnd) start = end;
                else if (pending.Length > MaxLine)
                {
                    skipping = true;
                    start = end;
                }
                return null;
            }
            int next = start + at + 1;
            if (pending[at] == '\r')
            {
                if (next == end && !atEnd)
                {
                    // Is the CR followed by an LF? Wait for the next byte, keeping no more than the CR of a long line.
                    if (at > MaxLine)
                    {
                        skipping = true;
                        start = next - 1;
                    }
                    return null;
                }
                if (next < end && buffer[next] == '\n') next++;
            }
            var line = new Range(start, start + at);
            start = next;
            if (!skipping) return line;
            skipping = false;   // the end of a skipped long line
        }
    }

    /// <summary>The state between lines: outside a block, or inside one with its name and encoded lines so far.</summary>
    private sealed class BlockSearch
    {
        private readonly MemoryStream encoded = new();
        private string? name;

        public UuencodedBlock? Take(ReadOnlySpan<byte> line)
        {
            // A uuencode line is at most 61 characters and a begin line a name long: longer lines are text (and
            // the pattern below is then never run over a hostile megabyte-long line).
            if (line.Length > MaxLine) return null;
            if (name is null)
            {
                if (line.StartsWith("begin "u8) && BeginLine().Match(Encoding.Latin1.GetString(line)) is { Success: true } begin)
                {
                    name = begin.Groups[1].Value.TrimEnd();
                }
                return null;
            }
            if (TrimEnd(line).SequenceEqual("end"u8))
            {
                var block = new UuencodedBlock(name, Decode());
                name = null;
                encoded.SetLength(0);
                return block;
            }
            if (encoded.Length > MaxEncoded) throw new InspectionLimitException(FindingKind.ArchiveLimit, "uuencoded block larger than 64 MiB");
            encoded.Write(line);
            encoded.WriteByte((byte)'\n');
            return null;
        }

        public UuencodedBlock? Finish() => name is null ? null : new UuencodedBlock(name, Decode());

        private byte[] Decode()
        {
            var decoder = new UUDecoder(payloadOnly: true);
            var input = encoded.GetBuffer();
            var output = new byte[decoder.EstimateOutputLength((int)encoded.Length)];
            var length = decoder.Decode(input, 0, (int)encoded.Length, output);
            return output.AsSpan(0, length).ToArray();
        }

        // What string.TrimEnd takes off a Latin-1 line (tab to CR, space, NEL, no-break space), as the end line was read before.
        private static ReadOnlySpan<byte> TrimEnd(ReadOnlySpan<byte> line)
        {
            int length = line.Length;
            while (length > 0 && char.IsWhiteSpace((char)line[length - 1])) length--;
            return line[..length];
        }
    }

    private const int BufferSize = 64 * 1024;
    private const int MaxLine = 1100;
    private const long MaxEncoded = 64L * 1024 * 1024;

    // Linear: no lazy group followed by an optional run that could both take the trailing spaces.
    [GeneratedRegex(@"^begin [0-7]{3,4} (\S[^\r\n]*)$")]
    private static partial Regex BeginLine();
}
