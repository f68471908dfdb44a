using System.Globalization;

namespace Rampart.Tracking;

/// <summary>
/// A catalogue event's structured fields, by the names of its template (<c>docs/events.md</c>): what a
/// <c>[LoggerMessage]</c> hands every logger as its state. "-" and empty values read as absent.
/// </summary>
public readonly struct LogFields(IReadOnlyList<KeyValuePair<string, object?>> state)
{
    public string? this[string name]
    {
        get
        {
            for (int i = 0; i < state.Count; i++)
            {
                if (state[i].Key != name) continue;
                var text = Convert.ToString(state[i].Value, CultureInfo.InvariantCulture);
                return string.IsNullOrEmpty(text) || text == "-" ? null : text;
            }
            return null;
        }
    }

    /// <summary>The value as logged, "" and "-" included (the null reverse path is "", no transaction is "-").</summary>
    public string? Raw(string name)
    {
        for (int i = 0; i < state.Count; i++)
        {
            if (state[i].Key == name) return Convert.ToString(state[i].Value, CultureInfo.InvariantCulture);
        }
        return null;
    }

    public long? Number(string name) => long.TryParse(this[name], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;
}
