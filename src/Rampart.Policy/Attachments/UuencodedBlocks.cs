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
/// </summary>
internal static partial class UuencodedBlocks
{
    public static async IAsyncEnumerable<UuencodedBlock> FindAsync(Stream text, [EnumeratorCancellation] CancellationToken ct)
    {
        using var reader = new StreamReader(text, Encoding.Latin1, detectEncodingFromByteOrderMarks: false);
        string? name = null;
        var encoded = new MemoryStream();
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            // A uuencode line is at most 61 characters and a begin line a name long: longer lines are text (and
            // the pattern below is then never run over a hostile megabyte-long line).
            if (line.Length > MaxLine) continue;
            if (name is null)
            {
                if (BeginLine().Match(line) is { Success: true } begin) name = begin.Groups[1].Value.TrimEnd();
                continue;
            }
            if (line.TrimEnd() == "end")
            {
                yield return new UuencodedBlock(name, Decode(encoded));
                name = null;
                encoded.SetLength(0);
                continue;
            }
            if (encoded.Length > MaxEncoded) throw new InspectionLimitException(FindingKind.ArchiveLimit, "uuencoded block larger than 64 MiB");
            var bytes = Encoding.Latin1.GetBytes(line + "\n");
            encoded.Write(bytes);
        }
        if (name is not null) yield return new UuencodedBlock(name, Decode(encoded));
    }

    private static byte[] Decode(MemoryStream encoded)
    {
        var decoder = new UUDecoder(payloadOnly: true);
        var input = encoded.GetBuffer();
        var output = new byte[decoder.EstimateOutputLength((int)encoded.Length)];
        var length = decoder.Decode(input, 0, (int)encoded.Length, output);
        return output.AsSpan(0, length).ToArray();
    }

    private const int MaxLine = 1100;
    private const long MaxEncoded = 64L * 1024 * 1024;

    // Linear: no lazy group followed by an optional run that could both take the trailing spaces.
    [GeneratedRegex(@"^begin [0-7]{3,4} (\S[^\r\n]*)$")]
    private static partial Regex BeginLine();
}
