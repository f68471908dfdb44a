using System.Text;
using System.Text.RegularExpressions;

namespace Rampart.Policy.Spf;

/// <summary>
/// Macro strings (RFC 7208 §7): <c>%{letter digits r delimiters}</c>, <c>%%</c>, <c>%_</c>, <c>%-</c>; letters
/// s l o d i p h v everywhere, c r t in explanations only. Checking is apart from expanding, since the record is
/// checked whole before any term is evaluated (§4.6).
/// </summary>
public static partial class SpfMacro
{
    /// <summary>A macro-string (or an explanation-string, which also allows spaces and the letters c, r and t).</summary>
    public static bool IsValid(string text, bool explanation) => Tokenize(text, explanation) is not null;

    /// <summary>
    /// domain-spec = macro-string domain-end, domain-end = "." toplabel ["."] / macro-expand (§7.1): a literal end must
    /// be a dotted top label that is not all digits, so "a:1.2.3.4" is refused rather than looked up as a name.
    /// </summary>
    public static bool IsDomainSpec(string text)
    {
        var tokens = Tokenize(text, explanation: false);
        if (tokens is null || tokens.Count == 0)
            return false;
        if (tokens[^1].Letter != '\0' || tokens[^1].Raw is "%%" or "%_" or "%-")
            return true;
        var end = text.EndsWith('.') ? text[..^1] : text;
        var dot = end.LastIndexOf('.');
        return dot >= 0 && TopLabel().IsMatch(end[(dot + 1)..]);
    }

    /// <summary>Expands a checked macro string; <paramref name="valueOf"/> gives each letter's value (lower case).</summary>
    public static async ValueTask<string> ExpandAsync(string text, bool explanation, Func<char, ValueTask<string>> valueOf)
    {
        var tokens = Tokenize(text, explanation) ?? throw new FormatException($"invalid macro string \"{text}\"");
        var result = new StringBuilder();
        foreach (var token in tokens)
        {
            if (token.Letter == '\0')
            {
                result.Append(token.Literal);
                continue;
            }
            var value = await valueOf(char.ToLowerInvariant(token.Letter));
            var delimiters = token.Delimiters.Length == 0 ? "." : token.Delimiters;
            var parts = value.Split(delimiters.ToCharArray());
            if (token.Reverse)
                Array.Reverse(parts);
            if (token.Digits > 0 && token.Digits < parts.Length)
                parts = parts[^token.Digits..];
            var joined = string.Join('.', parts);
            // An upper-case letter is URL-escaped after expansion (§7.3): all but the unreserved characters.
            result.Append(char.IsAsciiLetterUpper(token.Letter) ? UrlEscape(joined) : joined);
        }
        return result.ToString();
    }

    private static string UrlEscape(string value)
    {
        var sb = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~')
                sb.Append(c);
            else
                sb.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    private sealed record Token(string Raw, string Literal, char Letter = '\0', int Digits = 0, bool Reverse = false, string Delimiters = "");

    private static List<Token>? Tokenize(string text, bool explanation)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c != '%')
            {
                // macro-literal = %x21-24 / %x26-7E; an explanation also has spaces between its words (§6.2).
                if (c is < '!' or > '~' && !(explanation && c == ' '))
                    return null;
                tokens.Add(new Token(c.ToString(), c.ToString()));
                i++;
                continue;
            }
            if (i + 1 >= text.Length)
                return null;
            switch (text[i + 1])
            {
                case '%': tokens.Add(new Token("%%", "%")); i += 2; continue;
                case '_': tokens.Add(new Token("%_", " ")); i += 2; continue;
                case '-': tokens.Add(new Token("%-", "%20")); i += 2; continue;
                case '{': break;
                default: return null;
            }
            var close = text.IndexOf('}', i + 2);
            if (close < 0)
                return null;
            var match = MacroBody().Match(text[(i + 2)..close]);
            if (!match.Success)
                return null;
            var letter = match.Groups[1].Value[0];
            if ("slodiphv".IndexOf(char.ToLowerInvariant(letter)) < 0
                && !(explanation && "crt".IndexOf(char.ToLowerInvariant(letter)) >= 0))
                return null;
            var digits = 0;
            if (match.Groups[2].Length > 0)
            {
                // "If a DIGIT is specified, the value MUST be nonzero" (§7.3); 128 is as many labels as a name can have.
                if (match.Groups[2].Length > 3 || (digits = int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)) is 0 or > 128)
                    return null;
            }
            tokens.Add(new Token(text[i..(close + 1)], "", letter, digits, match.Groups[3].Length > 0, match.Groups[4].Value));
            i = close + 1;
        }
        return tokens;
    }

    [GeneratedRegex(@"^([A-Za-z])([0-9]*)([rR]?)([.\-+,/_=]*)$")]
    private static partial Regex MacroBody();

    [GeneratedRegex(@"^(?:[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9\-]*[A-Za-z0-9])$")]
    private static partial Regex TopLabel();
}
