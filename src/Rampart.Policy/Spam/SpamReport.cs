using System.Globalization;
using System.Text.Json;

namespace Rampart.Policy.Spam;

/// <summary>One symbol Rspamd matched, with the points it added (names made printable and bounded).</summary>
public sealed record SpamSymbol(string Name, double Score);

/// <summary>
/// Rspamd's verdict on one message: its score, its own action word, and the symbols that made the score, highest
/// contribution first. Read from a <c>/checkv2</c> reply by <see cref="Parse"/>, which trusts nothing in it.
/// </summary>
public sealed record SpamReport(double Score, double? RequiredScore, string Action, IReadOnlyList<SpamSymbol> Symbols)
{
    /// <summary>Symbols kept from one reply: enough to explain any score; a reply with thousands is hostile or broken.</summary>
    public const int MaxSymbols = 64;

    /// <summary>A symbol name longer than this is cut: Rspamd's own are under 40 characters.</summary>
    public const int MaxSymbolName = 64;

    /// <summary>Scores beyond this are nonsense (Rspamd's largest stock weights are in the tens).</summary>
    private const double MaxMagnitude = 100_000;

    /// <summary>Invariant, one decimal: "7.3", "-0.1", as Rspamd and SpamAssassin print them.</summary>
    public static string Format(double score) => score.ToString("0.0", CultureInfo.InvariantCulture);

    /// <summary>"NAME(score),..." highest first, for the log line and X-Spam-Status.</summary>
    public string SymbolList(int max = MaxSymbols) => Scoring.SymbolListText.Join(Symbols, max, static s => s.Name, static s => s.Score);

    /// <summary>Reads a <c>/checkv2</c> JSON reply; a description of what is wrong when it is not one.</summary>
    public static (SpamReport? Report, string? Error) Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            using var document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return (null, "the reply is not a JSON object");
            if (root.TryGetProperty("error", out var error) && !root.TryGetProperty("score", out _))
            {
                return (null, "Rspamd error: " + PrintableText.Cut(error.ValueKind == JsonValueKind.String ? error.GetString()! : error.GetRawText(), 200));
            }
            if (!root.TryGetProperty("score", out var scoreElement) || !TryNumber(scoreElement, out var score))
            {
                return (null, "the reply has no numeric score");
            }
            double? required = root.TryGetProperty("required_score", out var r) && TryNumber(r, out var req) ? req : null;
            var action = root.TryGetProperty("action", out var a) && a.ValueKind == JsonValueKind.String
                ? PrintableText.Cut(a.GetString()!, 32) : "-";
            var symbols = new List<SpamSymbol>();
            if (root.TryGetProperty("symbols", out var all) && all.ValueKind == JsonValueKind.Object)
            {
                foreach (var symbol in all.EnumerateObject())
                {
                    var points = symbol.Value.ValueKind == JsonValueKind.Object && symbol.Value.TryGetProperty("score", out var s) && TryNumber(s, out var p) ? p : 0;
                    symbols.Add(new SpamSymbol(SymbolName(symbol.Name), points));
                }
            }
            // Highest contribution first, then by name: a total order, so the sort's instability cannot show.
            symbols.Sort(static (x, y) => Math.Abs(y.Score).CompareTo(Math.Abs(x.Score)) is var byScore and not 0 ? byScore : string.CompareOrdinal(x.Name, y.Name));
            if (symbols.Count > MaxSymbols) symbols.RemoveRange(MaxSymbols, symbols.Count - MaxSymbols);
            return (new SpamReport(score, required, action, symbols), null);
        }
        catch (JsonException ex)
        {
            return (null, "the reply is not JSON: " + PrintableText.Cut(ex.Message, 120));
        }
    }

    private static bool TryNumber(JsonElement element, out double value)
    {
        value = 0;
        return element.ValueKind == JsonValueKind.Number && element.TryGetDouble(out value) && double.IsFinite(value) && Math.Abs(value) <= MaxMagnitude;
    }

    /// <summary>Symbol names go into a header field and a log line: letters, digits, '_' and '-' only, bounded.</summary>
    private static string SymbolName(string name)
    {
        var cut = name.Length > MaxSymbolName ? name[..MaxSymbolName] : name;
        var safe = string.Create(cut.Length, cut, (span, source) =>
        {
            for (int i = 0; i < span.Length; i++) span[i] = char.IsAsciiLetterOrDigit(source[i]) || source[i] is '_' or '-' ? source[i] : '_';
        });
        return safe.Length == 0 ? "_" : safe;
    }
}
