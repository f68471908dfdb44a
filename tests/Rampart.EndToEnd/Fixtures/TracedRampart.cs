using Rampart.Testing.Processes;

namespace Rampart.EndToEnd.Fixtures;

/// <summary>
/// The built program under strace, for what no other observer sees: the mode a file is created with, the fsync
/// after a rename. Only the named system calls are traced (seccomp-bpf leaves the others at full speed), into a
/// file whose lines start with the calling thread's id.
/// </summary>
public static class TracedRampart
{
    /// <summary>Starts `rampart ARGS` traced into <paramref name="trace"/>; with <paramref name="umask0"/>, under umask 000.</summary>
    public static RampartProcess Start(string trace, string syscalls, IEnumerable<string> args, bool umask0 = false)
    {
        var strace = RequiredTool.Find("strace", "apt-get install strace");
        string[] traced = [strace, "-f", "-qq", "--seccomp-bpf", "-e", "trace=" + syscalls, "-o", trace];
        return RampartProcess.StartRampartUnder(umask0 ? ["/bin/sh", "-c", "umask 000; exec \"$0\" \"$@\"", .. traced] : traced, args);
    }

    /// <summary>
    /// The traced calls, one whole call per line: strace splits a call that another thread interrupted into
    /// "PID call(args &lt;unfinished ...&gt;" and, later, "PID &lt;... call resumed&gt;rest"; these are joined again.
    /// </summary>
    public static List<string> ReadCalls(string trace)
    {
        const string Unfinished = " <unfinished ...>";
        var calls = new List<string>();
        var pending = new Dictionary<string, int>();
        foreach (var line in File.ReadLines(trace))
        {
            var pid = line.Split(' ', 2)[0];
            int resumed = line.IndexOf(" resumed>", StringComparison.Ordinal);
            if (line.Contains("<... ", StringComparison.Ordinal) && resumed > 0 && pending.Remove(pid, out int at))
            {
                calls[at] += line[(resumed + " resumed>".Length)..];
                continue;
            }
            if (line.EndsWith(Unfinished, StringComparison.Ordinal))
            {
                pending[pid] = calls.Count;
                calls.Add(line[..^Unfinished.Length]);
                continue;
            }
            calls.Add(line);
        }
        return calls;
    }

    /// <summary>
    /// Kills the traced gateway by the pid strace gave it (the first in the trace): strace killed alone would leave
    /// it running, detached, with its ports open.
    /// </summary>
    public static void StopGateway(string trace)
    {
        var first = File.Exists(trace) ? File.ReadLines(trace).FirstOrDefault() : null;
        if (first is null || !int.TryParse(first.Split(' ', 2)[0], out int pid)) return;
        try
        {
            using var gateway = System.Diagnostics.Process.GetProcessById(pid);
            gateway.Kill();
            gateway.WaitForExit(TimeSpan.FromSeconds(10));
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            // Already gone.
        }
    }
}
