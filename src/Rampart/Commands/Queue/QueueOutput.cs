using Rampart.Commands.Admin;
using Spectre.Console;

namespace Rampart.Commands.Queue;

/// <summary>Where `rampart queue` writes: tables and JSON to standard output (CliOutput), progress and notes to standard error.</summary>
internal static class QueueOutput
{
    public static IAnsiConsole Console => CliOutput.Out;

    public static IAnsiConsole Errors { get; } = CliOutput.Create(System.Console.Error, System.Console.IsErrorRedirected);

    public static void WriteJson<T>(T value) => CliOutput.WriteJson(value);
}
