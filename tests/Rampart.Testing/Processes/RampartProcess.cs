using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Xunit;

namespace Rampart.Testing.Processes;

/// <summary>
/// A child process under test: Rampart itself (<c>dotnet Rampart.dll ...</c>), or a peer program (postfix's
/// master, swaks). Output is captured for assertions and failure messages; every wait is bounded, and
/// disposal kills whatever is still running, so a failed test leaves no process behind.
/// </summary>
public sealed partial class RampartProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder stdout = new();
    private readonly StringBuilder stderr = new();
    private readonly TaskCompletionSource<int> exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string commandLine;

    private RampartProcess(Process process, string commandLine)
    {
        this.process = process;
        this.commandLine = commandLine;
    }

    /// <summary>Rampart.dll as built next to the tests (Rampart.Testing references the host project).</summary>
    public static string RampartDll => Path.Combine(AppContext.BaseDirectory, "Rampart.dll");

    /// <summary>The dotnet host running the tests (the SDK sets DOTNET_HOST_PATH), else dotnet from PATH.</summary>
    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    public int Id => process.Id;

    public bool HasExited => exited.Task.IsCompleted;

    /// <summary>Exit code once exited; a SIGKILLed process reports 137.</summary>
    public int ExitCode => exited.Task.IsCompleted ? exited.Task.Result : throw new InvalidOperationException("still running");

    public string Stdout
    {
        get { lock (stdout) return stdout.ToString(); }
    }

    public string Stderr
    {
        get { lock (stderr) return stderr.ToString(); }
    }

    /// <summary>Starts <c>dotnet Rampart.dll args...</c>.</summary>
    public static RampartProcess StartRampart(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null) =>
        Start(DotnetHost, [RampartDll, .. args], environment, workingDirectory);

    /// <summary>
    /// Starts any program. The child inherits the test environment minus RAMPART__* overrides (only
    /// <paramref name="environment"/> may set those), so the developer's shell cannot change a test.
    /// </summary>
    public static RampartProcess Start(string fileName, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null,
        string? standardInput = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Directory.GetCurrentDirectory(),
        };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("RAMPART__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(key);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new RampartProcess(process, string.Join(' ', info.ArgumentList.Prepend(fileName)));
        process.OutputDataReceived += (_, e) => child.Append(child.stdout, e.Data);
        process.ErrorDataReceived += (_, e) => child.Append(child.stderr, e.Data);
        process.Exited += (_, _) => child.OnExited();
        if (!process.Start()) throw new InvalidOperationException($"could not start {child.commandLine}");
        // Written at once: small inputs (a password for `rampart user add`) fit in the pipe buffer.
        if (standardInput is not null) process.StandardInput.Write(standardInput);
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Runs <c>dotnet Rampart.dll args...</c> to completion (a verb such as check-config), like <see cref="RunAsync"/>.</summary>
    public static Task<RampartProcess> RunRampartAsync(IEnumerable<string> args, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null, string? standardInput = null) =>
        RunAsync(DotnetHost, [RampartDll, .. args], timeout, environment, workingDirectory, standardInput);

    /// <summary>Runs a program to completion (killed after <paramref name="timeout"/>) and returns its exit code and output.</summary>
    public static async Task<RampartProcess> RunAsync(string fileName, IEnumerable<string> args, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null, string? standardInput = null)
    {
        var child = Start(fileName, args, environment, workingDirectory, standardInput);
        await child.WaitForExitAsync(timeout);
        return child;
    }

    private void Append(StringBuilder target, string? line)
    {
        if (line is null) return;
        lock (target) target.Append(line).Append('\n');
    }

    private void OnExited()
    {
        // Exited can fire before the last output lines are read; WaitForExit() (no timeout) drains them.
        try
        {
            process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
        }
        exited.TrySetResult(process.ExitCode);
    }

    /// <summary>Waits until the process exits; on timeout kills it and fails with its output.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await exited.Task.WaitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"did not exit within {timeout.TotalSeconds:0.#} s; killed.\n{Describe()}");
        }
    }

    /// <summary>Waits until 127.0.0.1:<paramref name="port"/> accepts a TCP connection; fails at once if the process dies.</summary>
    public async Task WaitForPortAsync(int port, TimeSpan? timeout = null, IPAddress? address = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            if (HasExited) throw new InvalidOperationException($"exited before port {port} opened.\n{Describe()}");
            using var client = new TcpClient();
            using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            try
            {
                await client.ConnectAsync(new IPEndPoint(address ?? IPAddress.Loopback, port), attempt.Token);
                return;
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                // Not listening yet.
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"port {port} not open after {limit.TotalSeconds:0.#} s.\n{Describe()}");
            await Task.Delay(50);
        }
    }

    /// <summary>Waits (bounded) until stdout contains <paramref name="text"/>, e.g. Rampart's "Rampart started from" log line.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        var deadline = DateTime.UtcNow + limit;
        while (!Stdout.Contains(text, StringComparison.Ordinal))
        {
            if (HasExited) throw new InvalidOperationException($"exited before printing '{text}'.\n{Describe()}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no '{text}' on stdout after {limit.TotalSeconds:0.#} s.\n{Describe()}");
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// Waits (bounded) until <paramref name="condition"/> holds, e.g. a file the process writes; the failure names
    /// <paramref name="what"/> and shows the process's output.
    /// </summary>
    public async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        var deadline = DateTime.UtcNow + limit;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"{what}: not within {limit.TotalSeconds} s\n{Describe()}");
            await Task.Delay(50);
        }
    }

    /// <summary>SIGKILL: no clean-up code runs, as in a crash or an OOM kill.</summary>
    public void Kill()
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: false);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <summary>SIGTERM: asks for a clean stop (postfix's master, Rampart's graceful shutdown).</summary>
    public void Terminate()
    {
        if (!HasExited) _ = kill(process.Id, SigTerm);
    }

    /// <summary>SIGHUP: Rampart reloads its configuration (Process.Kill cannot send it).</summary>
    public void Hangup()
    {
        if (!HasExited) _ = kill(process.Id, SigHup);
    }

    /// <summary>How many times stdout contains <paramref name="text"/> now.</summary>
    public int CountOutput(string text)
    {
        var output = Stdout;
        int count = 0;
        for (int at = output.IndexOf(text, StringComparison.Ordinal); at >= 0; at = output.IndexOf(text, at + text.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    /// <summary>Waits (bounded) until stdout contains <paramref name="text"/> at least <paramref name="count"/> times.</summary>
    public async Task WaitForOutputCountAsync(string text, int count, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        var deadline = DateTime.UtcNow + limit;
        while (CountOutput(text) < count)
        {
            if (HasExited) throw new InvalidOperationException($"exited before printing '{text}' {count} times.\n{Describe()}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"'{text}' not {count} times on stdout after {limit.TotalSeconds:0.#} s.\n{Describe()}");
            await Task.Delay(20);
        }
    }

    /// <summary>Command line, exit state and captured output, for failure messages.</summary>
    public string Describe() =>
        $"command: {commandLine}\nexit: {(HasExited ? ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) : "running")}\n" +
        $"--- stdout ---\n{Tail(Stdout)}\n--- stderr ---\n{Tail(Stderr)}";

    private static string Tail(string text) => text.Length <= 8000 ? text : "...\n" + text[^8000..];

    public async ValueTask DisposeAsync()
    {
        if (!HasExited)
        {
            Kill();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await exited.Task.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                // Nothing more can be done; the kernel reaps it.
            }
        }
        process.Dispose();
    }

    private const int SigHup = 1;
    private const int SigTerm = 15;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}
