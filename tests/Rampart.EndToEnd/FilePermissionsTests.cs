using System.Text.RegularExpressions;
using Rampart.EndToEnd.Antimalware;
using Rampart.EndToEnd.Fixtures;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.EndToEnd;

/// <summary>
/// Mail is other people's: everything the built gateway creates under its data folder is its owner's alone, from
/// the first byte. The gateway runs with umask 000, so a mode left to the umask shows as 0666/0777 instead of
/// 0600/0700; the self-signed key is watched with strace, so a chmod after the create (a window in which another
/// user could open it) shows too.
/// </summary>
public sealed partial class FilePermissionsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private const UnixFileMode Directory0700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode File0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private sealed record Setup(string Config, string DataDir, int Inbound, int Outbound);

    private static Setup Write(TempDirectory temp)
    {
        int inbound = FreePort.Next(), outbound = FreePort.Next(), dead = FreePort.Next();
        var dataDir = temp.File("data");
        var config = RampartConfigFile.Write(temp.File("rampart.yaml"), $$"""
            hostname: mx.rampart.test
            data_dir: {{dataDir}}
            log_level: information
            listeners:
              inbound:
                role: inbound
                address: 127.0.0.1
                port: {{inbound}}
                accepted_domains: [example.test]
                attachments: {block: [executable], action: quarantine}
              outbound: {role: outbound, address: 127.0.0.1, port: {{outbound}}, relay_networks: [127.0.0.0/8]}
            routes:
              local: {transport: drop, path: drop}
              outgoing: {transport: drop, path: outgoing}
              dead: {transport: smtp, hosts: ["127.0.0.1:{{dead}}"], tls: none}
            routing:
              - domains: [example.test]
                route: local
              - domains: [dead.test]
                route: dead
              - domains: ["*"]
                route: outgoing
            queue:
              retry_initial: 1h
              retry_max: 1h
            """);
        return new Setup(config, dataDir, inbound, outbound);
    }

    /// <summary>The built program under umask 000, as a careless service manager could start it.</summary>
    private static RampartProcess StartUnderUmask0(params string[] args) =>
        RampartProcess.StartRampartUnder(["/bin/sh", "-c", "umask 000; exec \"$0\" \"$@\""], args);

    private static int Count(string dir, string pattern = "*") => Directory.Exists(dir) ? Directory.GetFiles(dir, pattern).Length : 0;

    [Fact]
    public async Task Every_directory_is_0700_and_every_file_0600_whatever_the_umask()
    {
        using var temp = new TempDirectory("rampart-e2e-modes");
        var setup = Write(temp);
        var queue = Path.Combine(setup.DataDir, "queue");

        await using var rampart = StartUnderUmask0("run", "--config", setup.Config);
        await rampart.WaitForPortAsync(setup.Inbound);

        // Delivered to a drop folder, to another, deferred (a .rcpt log), held twice and one of them released.
        await TestMessages.SendForQueueIdAsync(setup.Inbound, "alice@sender.test", "bob@example.test", Samples.Wire(Samples.Message("plain")));
        await TestMessages.SendForQueueIdAsync(setup.Outbound, "bob@example.test", "friend@elsewhere.test", Samples.Wire(Samples.Message("out")));
        await TestMessages.SendForQueueIdAsync(setup.Outbound, "bob@example.test", "friend@dead.test", Samples.Wire(Samples.Message("deferred")));
        var held = await TestMessages.SendForQueueIdAsync(setup.Inbound, "alice@sender.test", "bob@example.test",
            Samples.Wire(Samples.Message("hold", new Samples.Attachment("setup.exe", "application/octet-stream", Samples.Executable()))));
        await TestMessages.SendForQueueIdAsync(setup.Inbound, "alice@sender.test", "bob@example.test",
            Samples.Wire(Samples.Message("hold too", new Samples.Attachment("run.exe", "application/octet-stream", Samples.Executable()))));
        await using (var release = StartUnderUmask0("quarantine", "release", held, "--config", setup.Config))
        {
            Assert.True(await release.WaitForExitAsync(Timeout) == 0, release.Describe());
        }

        var drop = Path.Combine(setup.DataDir, "drop");
        await rampart.WaitUntilAsync(() => Count(drop, "*.eml") == 2, "plain and released mail in drop/", Timeout);
        await rampart.WaitUntilAsync(() => Count(Path.Combine(setup.DataDir, "outgoing"), "*.eml") == 1, "outbound mail in outgoing/", Timeout);
        await rampart.WaitUntilAsync(() => Count(Path.Combine(queue, "active"), "*.rcpt") == 1, "the deferred message's outcome log", Timeout);
        Assert.Equal(1, Count(Path.Combine(queue, "quarantine")));
        Assert.Equal(1, Count(Path.Combine(setup.DataDir, "tls"), "selfsigned.key"));

        var wrong = new List<string>();
        Assert.Equal(Directory0700, File.GetUnixFileMode(setup.DataDir));
        foreach (var dir in Directory.EnumerateDirectories(setup.DataDir, "*", SearchOption.AllDirectories))
        {
            if (ModeOf(dir) is { } mode && mode != Directory0700) wrong.Add($"{dir}: {mode}");
        }
        var files = Directory.GetFiles(setup.DataDir, "*", SearchOption.AllDirectories);
        foreach (var file in files)
        {
            if (ModeOf(file) is { } mode && mode != File0600) wrong.Add($"{file}: {mode}");
        }
        Assert.True(wrong.Count == 0, "not the owner's alone:\n" + string.Join("\n", wrong));
        foreach (var sub in new[] { "queue/incoming", "queue/active", "queue/corrupt", "queue/quarantine", "queue/pickup", "drop", "outgoing", "tls" })
        {
            Assert.True(Directory.Exists(Path.Combine(setup.DataDir, sub)), sub);
        }
        Assert.True(files.Length >= 8, $"too few files to prove anything: {string.Join(", ", files)}");
    }

    /// <summary>
    /// The mode of a file or folder; null when it went between listing and asking: the deferred message's retry may
    /// deliver it and remove its files while the walk runs.
    /// </summary>
    private static UnixFileMode? ModeOf(string path)
    {
        try
        {
            return File.GetUnixFileMode(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    [Fact]
    public async Task The_self_signed_key_is_created_0600_by_open_itself_never_chmod_afterwards()
    {
        using var temp = new TempDirectory("rampart-e2e-keymode");
        var setup = Write(temp);
        var trace = temp.File("strace.txt");

        await using (var rampart = TracedRampart.Start(trace, "open,openat,creat,chmod,fchmod,fchmodat", ["run", "--config", setup.Config], umask0: true))
        {
            try
            {
                await rampart.WaitForPortAsync(setup.Inbound, Timeout);
            }
            finally
            {
                TracedRampart.StopGateway(trace);
            }
        }

        var key = Path.Combine(setup.DataDir, "tls", "selfsigned.key");
        Assert.Equal(File0600, File.GetUnixFileMode(key));
        var calls = TracedRampart.ReadCalls(trace);
        var lines = calls.Where(l => l.Contains("selfsigned.key", StringComparison.Ordinal)).ToList();
        var create = Assert.Single(lines, l => l.Contains("O_CREAT", StringComparison.Ordinal));
        Assert.Matches(CreatedOwnerOnly(), create);
        Assert.DoesNotContain(lines, l => l.Contains("chmod", StringComparison.Ordinal));
        // Nothing under the data folder is chmod-ed after the fact: every mode is given at creation.
        Assert.DoesNotContain(calls, l => l.Contains("chmod", StringComparison.Ordinal) && l.Contains(setup.DataDir, StringComparison.Ordinal));
    }

    [GeneratedRegex(@"O_CREAT.*, 0600\)")]
    private static partial Regex CreatedOwnerOnly();
}
