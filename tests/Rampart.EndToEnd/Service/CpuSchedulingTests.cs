using Rampart.EndToEnd.Fixtures;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.EndToEnd.Service;

/// <summary>
/// The built program runs every thread under SCHED_BATCH (sched(7)) unless <c>cpu_scheduling: as_started</c>: the threads
/// it had at start and those its runtime starts later for sessions and deliveries, read from /proc as an administrator
/// would (<c>chrt -p</c>).
/// </summary>
public sealed class CpuSchedulingTests
{
    private const int SchedOther = 0;
    private const int SchedBatch = 3;
    private const int SchedIdle = 5;

    [Fact]
    public async Task Every_thread_runs_under_SCHED_BATCH_by_default_and_so_do_those_started_for_mail()
    {
        var stdout = await EveryThreadAfterMailAsync(SchedBatch);
        Assert.Contains("[6151] CPU scheduling: the gateway's ", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task As_started_leaves_every_thread_under_the_policy_it_was_started_with()
    {
        var stdout = await EveryThreadAfterMailAsync(SchedOther, yamlPrefix: "cpu_scheduling: as_started\n");
        Assert.DoesNotContain("[6151]", stdout, StringComparison.Ordinal);
    }

    /// <summary>A policy the service manager chose (here SCHED_IDLE, as chrt or systemd's CPUSchedulingPolicy= set it) is left alone.</summary>
    [Fact]
    public async Task A_policy_chosen_by_whoever_started_the_gateway_is_left_alone() =>
        await EveryThreadAfterMailAsync(SchedIdle, wrapper: [RequiredTool.Find("chrt"), "--idle", "0"]);

    /// <summary>
    /// Runs the standard set-up (under <paramref name="wrapper"/> when given), relays mail, asserts that every thread has
    /// <paramref name="expected"/> as its policy, and returns the program's output.
    /// </summary>
    private static async Task<string> EveryThreadAfterMailAsync(int expected, string yamlPrefix = "", IReadOnlyList<string>? wrapper = null)
    {
        using var temp = new TempDirectory("rampart-e2e-sched");
        var files = RampartConfigFile.WriteStandard(temp);
        File.WriteAllText(files.ConfigPath, yamlPrefix + File.ReadAllText(files.ConfigPath));
        string[] args = ["run", "--config", files.ConfigPath];
        await using var rampart = wrapper is null ? RampartProcess.StartRampart(args) : RampartProcess.StartRampartUnder(wrapper, args);

        await ThreadsOfTheBuiltProgram.RelayMailAsync(rampart, files, "sched");
        var policies = ThreadPolicies(rampart.Id);

        Assert.True(policies.Count > 5, $"only {policies.Count} threads\n{rampart.Describe()}");
        Assert.All(policies, p => Assert.True(p.Policy == expected, $"thread {p.Thread} has policy {p.Policy}, not {expected}\n{rampart.Describe()}"));
        return rampart.Stdout;
    }

    /// <summary>Field 41 of /proc/PID/task/TID/stat (proc(5)), counted after the parenthesised name, which may hold spaces.</summary>
    private static List<(int Thread, int Policy)> ThreadPolicies(int processId)
    {
        var policies = new List<(int, int)>();
        foreach (var task in Directory.EnumerateDirectories($"/proc/{processId}/task"))
        {
            string stat;
            try { stat = File.ReadAllText(Path.Combine(task, "stat")); }
            catch (IOException) { continue; } // the thread ended meanwhile
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            policies.Add((int.Parse(Path.GetFileName(task)), int.Parse(fields[41 - 3])));
        }
        return policies;
    }
}
