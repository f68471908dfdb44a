using Rampart.Testing.Processes;

namespace Rampart.Testing.Tests;

public class ChildProcessTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Output_exit_code_and_standard_input_are_those_of_the_program()
    {
        await using var child = await ChildProcess.RunAsync("/bin/sh", ["-c", "read line; echo \"got $line\"; echo oops >&2; exit 3"], Bound,
            standardInput: "secret\n");

        Assert.Equal(3, child.ExitCode);
        Assert.Equal("got secret\n", child.Stdout);
        Assert.Equal("oops\n", child.Stderr);
    }

    [Fact]
    public async Task A_wait_for_output_ends_at_once_when_the_program_exits_without_it()
    {
        await using var child = ChildProcess.Start("/bin/sh", ["-c", "echo starting; exit 1"]);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => child.WaitForOutputAsync("started", Bound));

        Assert.Contains("exited before printing 'started'", error.Message, StringComparison.Ordinal);
        Assert.Contains("starting", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Output_counted_and_awaited_as_it_arrives()
    {
        await using var child = ChildProcess.Start("/bin/sh", ["-c", "echo tick; echo tick; exec sleep 30"]);

        await child.WaitForOutputCountAsync("tick", 2, Bound);

        Assert.Equal(2, child.CountOutput("tick"));
        Assert.False(child.HasExited);
    }

    [Fact]
    public async Task The_environment_keeps_no_RAMPART_override_but_those_given()
    {
        Environment.SetEnvironmentVariable("RAMPART__FROM_THE_SHELL", "leaked");
        try
        {
            await using var child = await ChildProcess.RunAsync("/bin/sh", ["-c", "env | grep ^RAMPART__ | sort"], Bound,
                new Dictionary<string, string> { ["RAMPART__GIVEN"] = "yes" });
            Assert.Equal("RAMPART__GIVEN=yes\n", child.Stdout);
        }
        finally
        {
            Environment.SetEnvironmentVariable("RAMPART__FROM_THE_SHELL", null);
        }
    }

    [Fact]
    public async Task A_program_still_running_at_its_bound_is_killed_and_reported()
    {
        var error = await Assert.ThrowsAsync<TimeoutException>(() => ChildProcess.RunAsync("/bin/sh", ["-c", "echo waiting; exec sleep 30"],
            TimeSpan.FromMilliseconds(500)));

        Assert.Contains("did not exit within 0.5 s; killed.", error.Message, StringComparison.Ordinal);
    }
}
