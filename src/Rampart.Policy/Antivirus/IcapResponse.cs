using System.Text;

namespace Rampart.Policy.Antivirus;

/// <summary>An ICAP response head: status and headers (RFC 3507 §4.3.3, header syntax as HTTP/1.1's).</summary>
internal sealed record IcapResponse(int Status, string Reason, IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    public string? Header(string name) =>
        Headers.Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).FirstOrDefault();

    public bool CloseRequested => Header("Connection")?.Contains("close", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>
    /// The threat name of an infected reply. There is no standard header; in use are c-icap's and Symantec's
    /// X-Infection-Found ("Type=0; Resolution=2; Threat=Name;"), X-Virus-ID (McAfee, Kaspersky) and the
    /// draft-stecher ICAP extensions' X-Violations-Found (count, then per violation filename, threat, resolution, id).
    /// </summary>
    public string ThreatName()
    {
        if (Header("X-Infection-Found") is { } found)
        {
            foreach (var part in found.Split(';', StringSplitOptions.TrimEntries))
            {
                if (part.StartsWith("Threat=", StringComparison.OrdinalIgnoreCase) && part.Length > 7) return part[7..];
            }
        }
        if (Header("X-Virus-ID") is { Length: > 0 } id) return id.Trim();
        if (Header("X-Violations-Found") is { } violations)
        {
            var lines = violations.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (lines.Length >= 3) return lines[2];
        }
        return "unknown threat";
    }
}

internal sealed class IcapProtocolException(string message) : Exception(message);

/// <summary>
/// Reads ICAP response heads with a cap on every line and on the whole head, so a hostile or broken server
/// cannot make us buffer without end (the habit of Kestrel's request-line limits).
/// </summary>
internal static class IcapResponseReader
{
    public const int MaxLineLength = 8 * 1024;
    public const int MaxHeadLength = 64 * 1024;

    public static async Task<IcapResponse> ReadAsync(Stream stream, CancellationToken ct)
    {
        var total = 0;
        var status = await ReadLineAsync(stream, ct);
        total += status.Length;
        // "ICAP/1.0 204 No Content" (RFC 3507 §4.3.3)
        var parts = status.Split(' ', 3);
        if (parts.Length < 2 || !parts[0].StartsWith("ICAP/1.", StringComparison.Ordinal) || parts[1].Length != 3
            || !int.TryParse(parts[1], System.Globalization.NumberStyles.None, null, out var code))
        {
            throw new IcapProtocolException($"not an ICAP status line: '{Printable(status)}'");
        }
        var headers = new List<KeyValuePair<string, string>>();
        while (true)
        {
            var line = await ReadLineAsync(stream, ct);
            total += line.Length + 2;
            if (total > MaxHeadLength) throw new IcapProtocolException("response head longer than 64 KiB");
            if (line.Length == 0) break;
            if (line[0] is ' ' or '\t')
            {
                // Folded continuation (c-icap folds X-Violations-Found): joined to the previous header with a newline.
                if (headers.Count == 0) throw new IcapProtocolException("continuation line before any header");
                var last = headers[^1];
                headers[^1] = new(last.Key, last.Value + "\n" + line.Trim());
                continue;
            }
            var colon = line.IndexOf(':');
            if (colon <= 0) throw new IcapProtocolException($"malformed header line: '{Printable(line)}'");
            headers.Add(new(line[..colon].Trim(), line[(colon + 1)..].Trim()));
        }
        return new IcapResponse(code, parts.Length > 2 ? parts[2] : "", headers);
    }

    /// <summary>
    /// One CRLF (or bare LF) terminated line, read a byte at a time: the head is small, and reading ahead would
    /// swallow bytes of the encapsulated body or of the next response on a kept-alive connection.
    /// </summary>
    private static async Task<string> ReadLineAsync(Stream stream, CancellationToken ct)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (true)
        {
            if (await stream.ReadAsync(one, ct) == 0) throw new IOException("ICAP server closed the connection mid-response");
            if (one[0] == (byte)'\n') break;
            if (line.Length >= MaxLineLength) throw new IcapProtocolException("response line longer than 8 KiB");
            line.Append((char)one[0]);
        }
        if (line.Length > 0 && line[^1] == '\r') line.Length--;
        return line.ToString();
    }

    public static string Printable(string text) => PrintableText.Cut(text, 200);
}
