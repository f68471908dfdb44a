using System.Net;
using Rampart.EndToEnd.Fixtures;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.EndToEnd.Service;

/// <summary>
/// The built program under a Type=notify unit's contract (sd_notify(3)), with a datagram socket of the test's own in
/// NOTIFY_SOCKET as systemd would pass it: READY=1 comes only once the listeners accept connections, a SIGHUP reload
/// is bracketed by RELOADING=1 and READY=1, and a stop begins with STOPPING=1.
/// </summary>
public sealed class SystemdNotifyTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Ready_is_sent_once_the_listeners_accept_then_reloading_and_stopping()
    {
        using var temp = new TempDirectory("rampart-e2e-notify");
        var files = RampartConfigFile.WriteStandard(temp);
        using var notify = NotifySocket.AtPath(temp.File("notify.sock"));

        await using var rampart = RampartProcess.StartRampart(["run", "--config", files.ConfigPath],
            new Dictionary<string, string> { ["NOTIFY_SOCKET"] = notify.Name });

        // The first word systemd hears is READY=1, and at that moment both listeners already greet: had it been sent
        // before they were bound, these connections would be refused.
        Assert.Equal("READY=1", await notify.ReceiveAsync(Timeout, rampart.Describe));
        foreach (var port in new[] { files.InboundPort, files.OutboundPort })
        {
            await using var smtp = await SmtpTranscript.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
            await smtp.ExpectAsync("220");
        }

        rampart.Hangup();
        var reloading = await notify.ReceiveAsync(Timeout, rampart.Describe);
        var lines = reloading.Split('\n');
        Assert.Equal("RELOADING=1", lines[0]);
        Assert.Matches("^MONOTONIC_USEC=[0-9]+$", lines[1]);
        Assert.Equal("READY=1", await notify.ReceiveAsync(Timeout, rampart.Describe));
        await rampart.WaitForOutputAsync("Reloaded ");

        rampart.Terminate();
        Assert.Equal("STOPPING=1", await notify.ReceiveAsync(Timeout, rampart.Describe));
        Assert.Equal(0, await rampart.WaitForExitAsync(Timeout));
    }

    [Fact]
    public async Task A_notify_socket_that_is_gone_costs_a_warning_not_the_gateway()
    {
        using var temp = new TempDirectory("rampart-e2e-notify-gone");
        var files = RampartConfigFile.WriteStandard(temp);

        await using var rampart = RampartProcess.StartRampart(["run", "--config", files.ConfigPath],
            new Dictionary<string, string> { ["NOTIFY_SOCKET"] = temp.File("nobody-listens.sock") });

        await rampart.WaitForOutputAsync("[6150] Cannot tell systemd READY=1 through $NOTIFY_SOCKET");
        var marker = TestMessages.NewMarker("notify-gone");
        await TestMessages.SendAsync(new IPEndPoint(IPAddress.Loopback, files.InboundPort), "alice@sender.test", "user@example.test",
            TestMessages.Message(marker, "user@example.test", TestMessages.Body(marker)));
        Assert.Single(await Eml.WaitForAsync(Path.Combine(files.DataDir, "drop"), 1, TimeSpan.FromSeconds(15), rampart.Describe));

        rampart.Terminate();
        Assert.Equal(0, await rampart.WaitForExitAsync(Timeout));
    }
}
