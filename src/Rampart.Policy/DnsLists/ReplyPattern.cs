using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace Rampart.Policy.DnsLists;

/// <summary>
/// postscreen's reply filter (postscreen(8) postscreen_dnsbl_sites): four dot-separated octet patterns, each a
/// number, or a bracketed list of numbers and ranges separated by ';' — <c>127.0.0.[2..11]</c>,
/// <c>127.0.[0..255].[2;4;6..8]</c>. A list's "query refused" answers (Spamhaus 127.255.255.x) thus never count.
/// </summary>
public sealed class ReplyPattern
{
    private readonly (int Low, int High)[][] octets;

    private ReplyPattern(string text, (int, int)[][] octets)
    {
        Text = text;
        this.octets = octets;
    }

    public string Text { get; }

    public bool Matches(IPAddress reply)
    {
        if (reply.AddressFamily != AddressFamily.InterNetwork) return false;
        var bytes = reply.GetAddressBytes();
        for (int i = 0; i < 4; i++)
        {
            if (!octets[i].Any(r => bytes[i] >= r.Low && bytes[i] <= r.High)) return false;
        }
        return true;
    }

    public override string ToString() => Text;

    public static bool TryParse(string text, [NotNullWhen(true)] out ReplyPattern? pattern, [NotNullWhen(false)] out string? error)
    {
        pattern = null;
        error = null;
        var parts = Octets(text);
        if (parts.Count != 4)
        {
            error = $"'{text}' is not four octet patterns like 127.0.0.[2..11]";
            return false;
        }
        var octets = new (int, int)[4][];
        for (int i = 0; i < 4; i++)
        {
            if (Octet(parts[i]) is not { } ranges)
            {
                error = $"'{text}': '{parts[i]}' is not a number 0-255 or a list like [2;4..11]";
                return false;
            }
            octets[i] = ranges;
        }
        pattern = new ReplyPattern(text, octets);
        return true;
    }

    // Dots inside brackets belong to a range ("[2..11]"), not between octets.
    private static List<string> Octets(string text)
    {
        var parts = new List<string>();
        int depth = 0, start = 0;
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '[') depth++;
            else if (text[i] == ']') depth--;
            else if (text[i] == '.' && depth == 0)
            {
                parts.Add(text[start..i]);
                start = i + 1;
            }
        }
        parts.Add(text[start..]);
        return parts;
    }

    private static (int, int)[]? Octet(string part)
    {
        if (part.StartsWith('[') && part.EndsWith(']') && part.Length > 2)
        {
            var ranges = new List<(int, int)>();
            foreach (var item in part[1..^1].Split(';'))
            {
                var bounds = item.Split("..");
                if (bounds.Length > 2 || Number(bounds[0]) is not { } low) return null;
                var high = bounds.Length == 2 ? Number(bounds[1]) : low;
                if (high is null || high < low) return null;
                ranges.Add((low, high.Value));
            }
            return [.. ranges];
        }
        return Number(part) is { } n ? [(n, n)] : null;
    }

    // Strict digits only (no sign, no spaces, no leading zeros beyond "0"): the pattern is an address, read as one.
    private static int? Number(string s) =>
        s.Length is >= 1 and <= 3 && s.All(char.IsAsciiDigit) && (s.Length == 1 || s[0] != '0') && int.Parse(s) is var n && n <= 255 ? n : null;
}
