using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Rampart.Testing.Processes;

/// <summary>
/// A program run as the test's child: a peer (postfix's master, smtp-sink, clamd, swaks) or, through
/// RampartProcess in Rampart.Testing.Gateway, Rampart itself. Output is captured for assertions and failure
/// messages; every wait is bounded (<see cref="BoundedWait"/>), and disposal kills whatever is still running,
/// so a failed test leaves no process behind.
/// </summary>
public partial class ChildProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder stdout = new();
    private readonly StringBuilder stderr = new();
    private readonly TaskCompletionSource<int> exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string commandLine;

    /// <summary>Starts the program <paramref name="info"/> describes (see <see cref="StartInfo"/>) and writes <paramref name="standardInput"/> to it.</summary>
    protected ChildProcess(ProcessStartInfo info, string? standardInput)
    {
        process = new Process { StartInfo = info, EnableRaisingEvents = true };
        commandLine = string.Join(' ', info.ArgumentList.Prepend(info.FileName));
        process.OutputDataReceived += (_, e) => Append(stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(stderr, e.Data);
        process.Exited += (_, _) => OnExited();
        if (!process.Start()) throw new InvalidOperationException($"could not start {commandLine}");
        // Written at once: small inputs (a password for `rampart user add`) fit in the pipe buffer.
        if (standardInput is not null) process.StandardInput.Write(standardInput);
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

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

    /// <summary>
    /// Starts any program. The child inherits the test environment minus RAMPART__* overrides (only
    /// <paramref name="environment"/> may set those), so the developer's shell cannot change a test.
    /// </summary>
    public static ChildProcess Start(string fileName, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null, string? standardInput = null) =>
        new(StartInfo(fileName, args, environment, workingDirectory), standardInput);

    /// <summary>Runs a program to completion (killed after <paramref name="timeout"/>) and returns its exit code and output.</summary>
    public static async Task<ChildProcess> RunAsync(string fileName, IEnumerable<string> args, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null, string? standardInput = null)
    {
        var child = Start(fileName, args, environment, workingDirectory, standardInput);
        await child.WaitForExitAsync(timeout);
        return child;
    }

    /// <summary>What <see cref="Start"/> runs: output redirected, no shell, RAMPART__* only from <paramref name="environment"/>.</summary>
    protected static ProcessStartInfo StartInfo(string fileName, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment,
        string? workingDirectory)
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
        return info;
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
    public Task WaitForPortAsync(int port, TimeSpan? timeout = null, IPAddress? address = null) =>
        BoundedWait.UntilAsync(async left =>
        {
            StopIfExited($"exited before port {port} opened");
            using var client = new TcpClient();
            using var attempt = new CancellationTokenSource(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1));
            try
            {
                await client.ConnectAsync(new IPEndPoint(address ?? IPAddress.Loopback, port), attempt.Token);
                return true;
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                return false; // not listening yet
            }
        }, $"port {port} open", timeout, Describe, TimeSpan.FromMilliseconds(50));

    /// <summary>Waits (bounded) until stdout contains <paramref name="text"/>, e.g. Rampart's "Rampart started from" log line.</summary>
    public Task WaitForOutputAsync(string text, TimeSpan? timeout = null) =>
        WaitForOutputCountAsync(text, 1, timeout);

    /// <summary>
    /// Waits (bounded) until <paramref name="condition"/> holds, e.g. a file the process writes; the failure names
    /// <paramref name="what"/> and shows the process's output.
    /// </summary>
    public Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        BoundedWait.UntilAsync(condition, what, timeout, Describe, TimeSpan.FromMilliseconds(50));

    /// <summary>Throws, with the output, if the process is gone: what a wait expects of it will not come.</summary>
    private void StopIfExited(string what)
    {
        if (HasExited) throw new InvalidOperationException($"{what}.\n{Describe()}");
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
    public Task WaitForOutputCountAsync(string text, int count, TimeSpan? timeout = null) =>
        BoundedWait.UntilAsync(() =>
        {
            if (CountOutput(text) >= count) return true;
            StopIfExited($"exited before printing '{text}' {count} time(s)");
            return false;
        }, $"'{text}' {count} time(s) on stdout", timeout, Describe);

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
