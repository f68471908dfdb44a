using System.Globalization;
using System.Text;

namespace Rampart.Policy.Senders;

/// <summary>
/// A domain as a reader sees it, reduced so that names that look the same compare equal, in the spirit of
/// UTS #39's confusable skeleton (§4): compatibility forms folded (as NFKC does: fullwidth ｅ, mathematical 𝐞, ．),
/// case folded, punycode labels (xn--) shown as Unicode the way a mail client does (IdnMapping.GetUnicode),
/// invisible characters and accents dropped, the trailing dot removed, and look-alike letters of other scripts
/// mapped to the Latin letter they imitate.
/// <para>
/// REVIEW: the look-alike table is a compact hand-picked subset of Unicode's confusables.txt (the Cyrillic, Greek,
/// Armenian and Latin letters that pass for a-z in common fonts, plus "rn"/"m", "vv"/"w" and 0/o, 1/l/i), not the
/// whole file: that would be a data file to ship and keep current. It is lossy on purpose (i, l and 1 become one
/// letter): both our domains and the claimed one go through it, so a wider fold only makes more look-alikes of ours
/// count as ours, never fewer.
/// </para>
/// </summary>
public static class DomainSkeleton
{
    private static readonly IdnMapping Idn = new() { AllowUnassigned = true };

    public static string Of(string domain)
    {
        var text = Fold(domain).ToLowerInvariant();
        text = string.Join('.', text.Split(Dots).Select(ShowAsUnicode));
        // Accents and invisible characters: a reader does not notice a combining mark or a zero-width joiner.
        var builder = new StringBuilder(text.Length);
        foreach (var c in Fold(text))
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format) continue;
            if (char.IsWhiteSpace(c)) continue;
            builder.Append(LookAlikes.TryGetValue(c, out var latin) ? latin : Unaccented.TryGetValue(c, out var plain) ? plain : c);
        }
        builder.Replace("rn", "m").Replace("vv", "w");
        return builder.ToString().TrimEnd('.');
    }

    /// <summary>
    /// The compatibility folds of NFKC that matter for addresses: fullwidth and halfwidth ASCII (＠, ．, ｅ), the
    /// mathematical alphanumerics (𝐞, 𝕖), circled letters, and the small and ideographic full stops and at sign.
    /// Done by hand because Rampart runs with InvariantGlobalization (no ICU), where string.Normalize leaves
    /// non-ASCII text as it is.
    /// </summary>
    public static string Fold(string text)
    {
        var builder = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            int cp = char.IsSurrogatePair(text, i) ? char.ConvertToUtf32(text[i], text[++i]) : text[i];
            builder.Append(cp switch
            {
                >= 0xFF01 and <= 0xFF5E => (char)(cp - 0xFEE0),
                0xFF61 or 0x3002 or 0xFE52 => '.',
                0xFE6B => '@',
                >= 0x24B6 and <= 0x24CF => (char)('a' + cp - 0x24B6),
                >= 0x24D0 and <= 0x24E9 => (char)('a' + cp - 0x24D0),
                >= 0x1D400 and <= 0x1D6A3 => Letters[(cp - 0x1D400) % 52],
                >= 0x1D7CE and <= 0x1D7FF => (char)('0' + (cp - 0x1D7CE) % 10),
                _ when cp > 0xFFFF => '\uFFFD',
                _ => (char)cp,
            });
        }
        return builder.ToString();
    }

    private const string Letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>Precomposed Latin letters with accents (Latin-1 and Latin Extended-A), as NFD would leave them without the mark.</summary>
    private static readonly Dictionary<char, char> Unaccented = new[]
    {
        ("àáâãäåāăą", 'a'), ("çćĉċč", 'c'), ("ďđ", 'd'), ("èéêëēĕėęě", 'e'), ("ĝğġģ", 'g'), ("ĥħ", 'h'),
        ("ìíîïĩīĭį", 'l'), ("ĵ", 'j'), ("ķ", 'k'), ("ĺļľŀł", 'l'), ("ñńņňŉ", 'n'), ("òóôõöøōŏő", 'o'), ("ŕŗř", 'r'),
        ("śŝşš", 's'), ("ţťŧ", 't'), ("ùúûüũūŭůűų", 'u'), ("ŵ", 'w'), ("ýÿŷ", 'y'), ("źżž", 'z'),
    }.SelectMany(p => p.Item1.Select(c => (c, p.Item2))).ToDictionary(p => p.c, p => p.Item2);

    /// <summary>The full stops IDNA maps to '.' (UTS #46 §4); NFKC already folded the fullwidth and small ones.</summary>
    private static readonly char[] Dots = ['.', '\u3002', '\uFF61'];

    /// <summary>An A-label as a mail client displays it; a label that is not valid punycode is shown as it is.</summary>
    private static string ShowAsUnicode(string label)
    {
        if (!label.StartsWith("xn--", StringComparison.Ordinal)) return label;
        try
        {
            return Fold(Idn.GetUnicode(label)).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return label;
        }
    }

    private static readonly Dictionary<char, char> LookAlikes = new()
    {
        // Cyrillic
        ['а'] = 'a', ['в'] = 'b', ['ԁ'] = 'd', ['е'] = 'e', ['һ'] = 'h', ['і'] = 'l', ['ј'] = 'j',
        ['к'] = 'k', ['ӏ'] = 'l', ['м'] = 'm', ['н'] = 'h', ['о'] = 'o', ['п'] = 'n', ['р'] = 'p', ['ԛ'] = 'q', ['г'] = 'r',
        ['ѕ'] = 's', ['т'] = 't', ['с'] = 'c', ['у'] = 'y', ['ԝ'] = 'w', ['х'] = 'x', ['ь'] = 'b', ['ѵ'] = 'v',
        // Greek
        ['α'] = 'a', ['β'] = 'b', ['ε'] = 'e', ['η'] = 'n', ['ι'] = 'l', ['κ'] = 'k', ['ν'] = 'v', ['ο'] = 'o', ['ρ'] = 'p',
        ['τ'] = 't', ['υ'] = 'u', ['χ'] = 'x', ['γ'] = 'y', ['ω'] = 'w', ['ϲ'] = 'c', ['ϳ'] = 'j',
        // Armenian
        ['օ'] = 'o', ['ս'] = 'u', ['հ'] = 'h', ['ո'] = 'n', ['ց'] = 'g', ['զ'] = 'q',
        // Latin letters and digits that pass for others
        ['ɡ'] = 'g', ['ı'] = 'l', ['i'] = 'l', ['1'] = 'l', ['|'] = 'l', ['ǀ'] = 'l', ['ɩ'] = 'l', ['ɪ'] = 'l', ['0'] = 'o', ['ɑ'] = 'a',
        ['ʏ'] = 'y', ['ᴄ'] = 'c', ['ᴏ'] = 'o', ['ᴠ'] = 'v', ['ᴡ'] = 'w', ['ᴢ'] = 'z', ['ʜ'] = 'h', ['ɴ'] = 'n', ['ʀ'] = 'r',
    };
}
