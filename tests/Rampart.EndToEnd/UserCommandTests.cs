using Rampart.Testing;
using Rampart.Testing.Processes;
using Rampart.EndToEnd.Fixtures;

namespace Rampart.EndToEnd;

/// <summary>`rampart user add|list|passwd|remove` run as the built program against a configuration's data_dir.</summary>
public sealed class UserCommandTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static Task<RampartProcess> RunRampart(string? input, params string[] args) =>
        RampartProcess.RunRampartAsync(args, Timeout, standardInput: input);

    [Fact]
    public async Task Users_are_added_listed_changed_and_removed_and_the_gateway_accepts_them()
    {
        using var temp = new TempDirectory("rampart-users");
        var files = RampartConfigFile.WriteStandard(temp);
        var config = files.ConfigPath;

        await using (var add = await RunRampart("first pw\n", "user", "add", "alice@example.test", "--send-as", "alice@example.test", "--send-as", "@sales.test", "--config", config))
        {
            Assert.True(add.ExitCode == 0, add.Describe());
            Assert.DoesNotContain("first pw", add.Stdout + add.Stderr, StringComparison.Ordinal);
        }
        await using (var again = await RunRampart("x\n", "user", "add", "ALICE@example.test", "--config", config))
        {
            Assert.True(again.ExitCode == 1, again.Describe());
            Assert.Contains("already exists", again.Stderr, StringComparison.Ordinal);
        }
        await using (var noPassword = await RunRampart("", "user", "add", "bob@example.test", "--config", config))
        {
            Assert.True(noPassword.ExitCode == 2, noPassword.Describe());
        }
        await using (var list = await RunRampart(null, "user", "list", "--config", config))
        {
            Assert.True(list.ExitCode == 0, list.Describe());
            Assert.Equal("alice@example.test\tsend-as: @sales.test, alice@example.test\n", list.Stdout);
        }
        await using (var passwd = await RunRampart("second pw\n", "user", "passwd", "alice@example.test", "--config", config))
        {
            Assert.True(passwd.ExitCode == 0, passwd.Describe());
        }
        var users = new global::Rampart.Auth.UserStore(global::Rampart.Auth.UserStore.DefaultPath(files.DataDir));
        Assert.False(users.Verify("alice@example.test", "first pw"));
        Assert.True(users.Verify("alice@example.test", "second pw"));

        await using (var remove = await RunRampart(null, "user", "remove", "alice@example.test", "--config", config))
        {
            Assert.True(remove.ExitCode == 0, remove.Describe());
        }
        await using (var missing = await RunRampart(null, "user", "remove", "alice@example.test", "--config", config))
        {
            Assert.True(missing.ExitCode == 1, missing.Describe());
        }
    }

    [Fact]
    public async Task A_bad_send_as_address_is_refused()
    {
        using var temp = new TempDirectory("rampart-users");
        var files = RampartConfigFile.WriteStandard(temp);
        await using var add = await RunRampart("pw\n", "user", "add", "bob", "--send-as", "not an address", "--config", files.ConfigPath);
        Assert.True(add.ExitCode == 2, add.Describe());
        Assert.Contains("neither an address nor @domain", add.Stderr, StringComparison.Ordinal);
    }
}
