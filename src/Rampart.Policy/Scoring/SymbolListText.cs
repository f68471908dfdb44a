using System.Globalization;
using System.Text;

namespace Rampart.Policy.Scoring;

/// <summary>"NAME(score),..." as the log line and X-Spam-Status show symbols: the first <c>max</c>, in the order given.</summary>
internal static class SymbolListText
{
    public static string Join<T>(IReadOnlyList<T> symbols, int max, Func<T, string> name, Func<T, double> score)
    {
        var text = new StringBuilder();
        for (var i = 0; i < symbols.Count && i < max; i++)
        {
            if (i > 0) text.Append(',');
            text.Append(name(symbols[i])).Append('(').Append(score(symbols[i]).ToString("0.##", CultureInfo.InvariantCulture)).Append(')');
        }
        return text.ToString();
    }
}
