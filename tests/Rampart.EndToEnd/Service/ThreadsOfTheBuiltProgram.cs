using System.Net;
using Rampart.EndToEnd.Fixtures;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.EndToEnd.Service;

/// <summary>What the service tests do before they read a running gateway's threads from /proc.</summary>
internal static class ThreadsOfTheBuiltProgram
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Waits for the start, then relays a few messages at once (the thread pool grows for them) to the drop folder.</summary>
    public static async Task RelayMailAsync(RampartProcess rampart, RampartConfigFile.StandardFiles files, string markerPrefix, int messages = 8)
    {
        await rampart.WaitForOutputAsync("Rampart started from", Timeout);
        await Task.WhenAll(Enumerable.Range(0, messages).Select(i =>
        {
            var marker = TestMessages.NewMarker($"{markerPrefix}-{i}");
            return TestMessages.SendAsync(new IPEndPoint(IPAddress.Loopback, files.InboundPort), "alice@sender.test", "user@example.test",
                TestMessages.Message(marker, "user@example.test", TestMessages.Body(marker)));
        }));
        await Eml.WaitForAsync(Path.Combine(files.DataDir, "drop"), messages, Timeout, rampart.Describe);
    }

    /// <summary>The name of each thread (/proc/PID/task/TID/comm, at most 15 bytes); a thread that ended meanwhile is left out.</summary>
    public static List<string> Names(int processId)
    {
        var names = new List<string>();
        foreach (var task in Directory.EnumerateDirectories($"/proc/{processId}/task"))
        {
            try { names.Add(File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n')); }
            catch (IOException) { }
        }
        return names;
    }
}
