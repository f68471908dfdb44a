using System.Diagnostics;

namespace Rampart.Testing.Processes;

/// <summary>
/// The built program, <c>dotnet Rampart.dll ...</c>, as a child process: what the end-to-end tests run, with
/// the same bounded waits and signals as any <see cref="ChildProcess"/>. Rampart.dll is copied next to the tests
/// because this project references the executable.
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

    /// <summary>Starts <c>dotnet Rampart.dll args...</c>.</summary>
    public static RampartProcess StartRampart(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null) =>
        new(StartInfo(DotnetHost, [RampartDll, .. args], environment, workingDirectory), standardInput: null);

    /// <summary>
    /// Starts <c>dotnet Rampart.dll args...</c> under a wrapper command (<c>strace -f ...</c>, <c>/bin/sh -c "umask 000; exec ..."</c>):
    /// <paramref name="wrapper"/> comes first, then the host, Rampart.dll and <paramref name="args"/>.
    /// </summary>
    public static RampartProcess StartRampartUnder(IReadOnlyList<string> wrapper, IEnumerable<string> args) =>
        new(StartInfo(wrapper[0], [.. wrapper.Skip(1), DotnetHost, RampartDll, .. args], environment: null, workingDirectory: null),
            standardInput: null);

    /// <summary>Runs <c>dotnet Rampart.dll args...</c> to completion (a verb such as check-config), killed after <paramref name="timeout"/>.</summary>
    public static async Task<RampartProcess> RunRampartAsync(IEnumerable<string> args, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null, string? standardInput = null)
    {
        var rampart = new RampartProcess(StartInfo(DotnetHost, [RampartDll, .. args], environment, workingDirectory), standardInput);
        await rampart.WaitForExitAsync(timeout);
        return rampart;
    }
}
