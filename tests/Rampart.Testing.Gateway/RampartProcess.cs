using System.Diagnostics;

namespace Rampart.Testing.Processes;

/// <summary>
/// The program as a child process: what the end-to-end tests run, with the same bounded waits and signals as any
/// <see cref="ChildProcess"/>. That is the installed build (scripts/publish.sh: one native executable, compiled ahead of
/// time) when <c>RAMPART_PUBLISHED</c> names the folder it was published to, as scripts/test.sh does; otherwise
/// <c>dotnet Rampart.dll</c>, copied next to the tests because this project references the executable.
/// </summary>
public sealed class RampartProcess : ChildProcess
{
    private RampartProcess(ProcessStartInfo info, string? standardInput) : base(info, standardInput)
    {
    }

    /// <summary>Rampart.dll as built next to the tests.</summary>
    public static string RampartDll => Path.Combine(AppContext.BaseDirectory, "Rampart.dll");

    /// <summary>The dotnet host running the tests (the SDK sets DOTNET_HOST_PATH), else dotnet from PATH.</summary>
    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>The published executable when <c>RAMPART_PUBLISHED</c> names its folder, else null.</summary>
    private static string? PublishedProgram =>
        Environment.GetEnvironmentVariable("RAMPART_PUBLISHED") is { Length: > 0 } folder ? Path.Combine(folder, "Rampart") : null;

    /// <summary>The command line up to the program's own arguments: the published executable, or the host and Rampart.dll.</summary>
    private static string[] Program => PublishedProgram is { } published ? [published] : [DotnetHost, RampartDll];

    private static ProcessStartInfo ProgramStartInfo(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment,
        string? workingDirectory)
    {
        var program = Program;
        return StartInfo(program[0], [.. program[1..], .. args], environment, workingDirectory);
    }

    /// <summary>Starts the program with <paramref name="args"/>.</summary>
    public static RampartProcess StartRampart(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null) =>
        new(ProgramStartInfo(args, environment, workingDirectory), standardInput: null);

    /// <summary>
    /// Starts the program under a wrapper command (<c>strace -f ...</c>, <c>/bin/sh -c "umask 000; exec ..."</c>):
    /// <paramref name="wrapper"/> comes first, then the program and <paramref name="args"/>.
    /// </summary>
    public static RampartProcess StartRampartUnder(IReadOnlyList<string> wrapper, IEnumerable<string> args) =>
        new(StartInfo(wrapper[0], [.. wrapper.Skip(1), .. Program, .. args], environment: null, workingDirectory: null),
            standardInput: null);

    /// <summary>Runs the program with <paramref name="args"/> to completion (a verb such as check-config), killed after <paramref name="timeout"/>.</summary>
    public static async Task<RampartProcess> RunRampartAsync(IEnumerable<string> args, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null, string? standardInput = null)
    {
        var rampart = new RampartProcess(ProgramStartInfo(args, environment, workingDirectory), standardInput);
        await rampart.WaitForExitAsync(timeout);
        return rampart;
    }
}
