using System.Net;
using Rampart.EndToEnd.Fixtures;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.EndToEnd.Metrics;

/// <summary>
/// The 421 a session is closed with on the gateway's side (here a command timeout, 4.4.2) is sent outside the command
/// loop, yet it is a refusal like the others: counted in rampart_refusals_total and logged as a Refused line.
/// </summary>
public sealed class SessionEndRefusalTests
{
    [Fact]
    public async Task A_command_timeout_is_counted_and_logged_as_a_refusal()
    {
        using var temp = new TempDirectory("rampart-e2e-timeout");
        var setup = RampartConfigFile.WriteStandard(temp, admin: true);
        RampartConfigFile.Write(setup.ConfigPath, File.ReadAllText(setup.ConfigPath).Replace("accepted_domains: [example.test]",
            "accepted_domains: [example.test]\n    limits: {command_timeout: 500ms}", StringComparison.Ordinal));
        await using var rampart = RampartProcess.StartRampart(["run", "--config", setup.ConfigPath]);
        await rampart.WaitForOutputAsync("Rampart started from");

        await using (var c = await SmtpTranscript.ConnectAsync(new IPEndPoint(IPAddress.Loopback, setup.InboundPort)))
        {
            await c.HelloAsync();
            await c.ExpectAsync("421 4.4.2");
        }

        await rampart.WaitForOutputAsync("reply=\"421 4.4.2 ");
        var line = Assert.Single(rampart.Stdout.Split('\n'), l => l.Contains("Refused session=inbound-", StringComparison.Ordinal));
        Assert.Contains("command=\"EHLO c.test\"", line, StringComparison.Ordinal);
        using var http = AdminApi.Anonymous(setup.AdminPort);
        var metrics = PrometheusText.Parse(await http.GetStringAsync("metrics"));
        Assert.Equal(1, metrics.Sum("rampart_refusals_total", ("listener", "inbound"), ("stage", "helo"), ("reason", "network")));
        Assert.Equal(1, metrics.Sum("rampart_refusals_total"));
    }
}
