using System.Text.Json;
using Spectre.Console;

namespace Rampart.Commands.Queue;

/// <summary>Where `rampart queue` writes: tables and JSON to standard output, progress and notes to standard error.</summary>
internal static class QueueOutput
{
    // The API's own JSON conventions (ASP.NET Core's web defaults), so `--json` reads the same on a running or stopped gateway.
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static IAnsiConsole Console { get; } = Create(System.Console.Out, System.Console.IsOutputRedirected);

    public static IAnsiConsole Errors { get; } = Create(System.Console.Error, System.Console.IsErrorRedirected);

    public static void WriteJson<T>(T value) => System.Console.Out.WriteLine(JsonSerializer.Serialize(value, JsonOptions));

    private static IAnsiConsole Create(TextWriter writer, bool redirected)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = redirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = redirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = redirected ? InteractionSupport.No : InteractionSupport.Detect,
        });
        // Redirected output has no width: tables are laid out whole instead of being wrapped at 80 columns.
        if (redirected) console.Profile.Width = 4096;
        return console;
    }
}
