using System.CommandLine;
using System.Text.Json;
using Rampart.Admin;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Rampart.Commands.Admin;

/// <summary>
/// How the operations verbs write: Spectre.Console tables for people, <c>--json</c> (the API's own objects, snake_case)
/// for scripts. Redirected output is not cut to 80 columns nor coloured: a table piped into grep keeps whole lines.
/// </summary>
public static class CliOutput
{
    public static readonly Option<bool> JsonOption = new("--json") { Description = "Write JSON (as the admin API answers) instead of a table" };

    // Wide enough for a queue id, an address and a reply side by side; a terminal uses its own width.
    private const int RedirectedWidth = 240;

    private static readonly Lazy<IAnsiConsole> Standard = new(() => Create(Console.Out, Console.IsOutputRedirected));

    public static IAnsiConsole Out => Standard.Value;

    public static IAnsiConsole Create(TextWriter writer, bool redirected)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = redirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = redirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = redirected ? InteractionSupport.No : InteractionSupport.Detect,
        });
        if (redirected) console.Profile.Width = RedirectedWidth;
        return console;
    }

    public static void WriteJson<T>(T value) => System.Console.Out.WriteLine(JsonSerializer.Serialize(value, AdminJson.TypeInfo<T>()));

    /// <summary>A table with these column headings; cells are escaped when added through <see cref="AddRow"/>.</summary>
    public static Table Table(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (var c in columns) table.AddColumn(new TableColumn(Markup.Escape(c)));
        return table;
    }

    /// <summary>Text from mail (addresses, replies) may hold '[': never read as Spectre markup.</summary>
    public static void AddRow(Table table, params string?[] cells) =>
        table.AddRow(cells.Select(c => (IRenderable)new Text(c ?? "")).ToArray());

    public static void Write(IRenderable renderable) => Out.Write(renderable);

    public static void Line(string text) => Out.WriteLine(text, Style.Plain);
}
