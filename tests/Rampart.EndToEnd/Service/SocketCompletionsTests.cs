using Rampart.EndToEnd.Fixtures;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.EndToEnd.Service;

/// <summary>
/// <c>socket_completions</c> in the built program. .NET runs one socket event thread (".NET Sockets") below 30 cores,
/// and one per core when completions run inline on them: the count shows which mode the gateway started in, after it
/// has relayed mail in it.
/// </summary>
public sealed class SocketCompletionsTests
{
    private const string EventThread = ".NET Sockets";

    [Fact]
    public async Task Inline_by_default_with_one_socket_event_thread_per_core()
    {
        var names = await ThreadNamesAfterMailAsync(yamlPrefix: "");
        Assert.Equal(Environment.ProcessorCount, names.Count(n => n == EventThread));
    }

    [Fact]
    public async Task Thread_pool_keeps_dotnets_single_socket_event_thread()
    {
        var names = await ThreadNamesAfterMailAsync(yamlPrefix: "socket_completions: thread_pool\n");
        Assert.Equal(1, names.Count(n => n == EventThread));
    }

    private static async Task<List<string>> ThreadNamesAfterMailAsync(string yamlPrefix)
    {
        using var temp = new TempDirectory("rampart-e2e-completions");
        var files = RampartConfigFile.WriteStandard(temp);
        File.WriteAllText(files.ConfigPath, yamlPrefix + File.ReadAllText(files.ConfigPath));
        await using var rampart = RampartProcess.StartRampart(["run", "--config", files.ConfigPath]);

        await ThreadsOfTheBuiltProgram.RelayMailAsync(rampart, files, "completions");

        return ThreadsOfTheBuiltProgram.Names(rampart.Id);
    }
}
