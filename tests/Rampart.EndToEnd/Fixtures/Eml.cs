using Rampart.Testing;
using Rampart.Testing.Processes;
using System.Text;

namespace Rampart.EndToEnd.Fixtures;

/// <summary>One delivered .eml file: its header fields (unfolded) and its body, exactly as written.</summary>
public sealed class Eml
{
    private Eml(string path, string text, IReadOnlyList<(string Name, string Value)> headers, string body)
    {
        Path = path;
        Text = text;
        Headers = headers;
        Body = body;
    }

    public string Path { get; }
    public string Text { get; }
    public IReadOnlyList<(string Name, string Value)> Headers { get; }
    public string Body { get; }

    public static Eml Load(string path) => Parse(path, File.ReadAllText(path, Encoding.UTF8));

    public static Eml Parse(string path, string text)
    {
        int split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = split < 0 ? text : text[..split];
        var body = split < 0 ? "" : text[(split + 4)..];
        var headers = new List<(string, string)>();
        foreach (var line in head.Split("\r\n"))
        {
            if (line.Length > 0 && (line[0] == ' ' || line[0] == '\t') && headers.Count > 0)
            {
                var (name, value) = headers[^1];
                headers[^1] = (name, value + " " + line.Trim());
                continue;
            }
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0) headers.Add((line[..colon], line[(colon + 1)..].Trim()));
        }
        return new Eml(path, text, headers, body);
    }

    public IEnumerable<string> All(string name) =>
        Headers.Where(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value);

    /// <summary>The Received field Rampart added (it names itself "(Rampart, listener ...)").</summary>
    public string RampartReceived =>
        All("Received").FirstOrDefault(v => v.Contains("(Rampart, listener", StringComparison.Ordinal))
        ?? throw new InvalidOperationException($"no Received field by Rampart in {Path}:\n{Text}");

    /// <summary>The .eml files of a folder once there are at least <paramref name="count"/>, waiting (bounded).</summary>
    public static async Task<Eml[]> WaitForAsync(string folder, int count, TimeSpan timeout, Func<string>? explain = null)
    {
        string[] Files() => Directory.Exists(folder) ? Directory.GetFiles(folder, "*.eml") : [];
        var files = await BoundedWait.ForAsync(() => Files() is { } found && found.Length >= count ? found : null,
            $"{count} .eml file(s) in {folder}", timeout, () => $"found {Files().Length}\n{explain?.Invoke()}", TimeSpan.FromMilliseconds(50));
        return files.Order(StringComparer.Ordinal).Select(Load).ToArray();
    }
}
