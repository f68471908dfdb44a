using System.Globalization;
using System.Text;

namespace Rampart.Policy.Senders;

/// <summary>
/// A domain as a reader sees it, reduced so that names that look the same compare equal, in the spirit of
/// UTS #39's confusable skeleton (§4): compatibility forms folded (NFKC: fullwidth ｅ, mathematical 𝐞, ＠ and ．),
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
        var text = domain.Normalize(NormalizationForm.FormKC).ToLowerInvariant();
        text = string.Join('.', text.Split(Dots).Select(ShowAsUnicode));
        // Accents and invisible characters: a reader does not notice a combining mark or a zero-width joiner.
        var builder = new StringBuilder(text.Length);
        foreach (var c in text.Normalize(NormalizationForm.FormD))
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format) continue;
            if (char.IsWhiteSpace(c)) continue;
            builder.Append(LookAlikes.TryGetValue(c, out var latin) ? latin : c);
        }
        builder.Replace("rn", "m").Replace("vv", "w");
        return builder.ToString().TrimEnd('.');
    }

    /// <summary>The full stops IDNA maps to '.' (UTS #46 §4); NFKC already folded the fullwidth and small ones.</summary>
    private static readonly char[] Dots = ['.', '\u3002', '\uFF61'];

    /// <summary>An A-label as a mail client displays it; a label that is not valid punycode is shown as it is.</summary>
    private static string ShowAsUnicode(string label)
    {
        if (!label.StartsWith("xn--", StringComparison.Ordinal)) return label;
        try
        {
            return Idn.GetUnicode(label).ToLowerInvariant().Normalize(NormalizationForm.FormKC);
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
