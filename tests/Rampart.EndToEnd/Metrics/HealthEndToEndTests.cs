using System.Net;
using Rampart.EndToEnd.Fixtures;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.EndToEnd.Metrics;

/// <summary>
/// What a load balancer sees of the built program: /health/live answers while the process runs; /health/ready is 200
/// when mail can be taken and 503 with the reason under back pressure (the 452 4.3.1 of MAIL FROM) or with a required
/// clamd stopped (the 451 4.7.1 of DATA), and 200 again once it is back. Each change is logged once.
/// </summary>
public sealed class HealthEndToEndTests
{
    [Fact]
    public async Task Ready_when_serving_and_not_ready_under_back_pressure()
    {
        using var temp = new TempDirectory("rampart-e2e-health");
        var setup = RampartConfigFile.WriteStandard(temp, admin: true);
        await using (var rampart = RampartProcess.StartRampart(["run", "--config", setup.ConfigPath]))
        {
            await rampart.WaitForOutputAsync("Rampart started from");
        await rampart.WaitForOutputAsync("Queue recovered");
            await rampart.WaitForOutputAsync("Queue recovered");   // not ready ("recovering") until then
            using var http = AdminApi.Anonymous(setup.AdminPort);
            var (status, body) = await GetAsync(http, "health/ready");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("ready\n", body);
            (status, body) = await GetAsync(http, "health/live");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("live\n", body);
        }

        // The same set-up asking for more free disk than any disk has: every MAIL FROM is answered 452 4.3.1.
        using var pressed = new TempDirectory("rampart-e2e-health");
        var full = RampartConfigFile.WriteStandard(pressed, admin: true);
        RampartConfigFile.Write(full.ConfigPath, File.ReadAllText(full.ConfigPath).Replace("queue:\n", "queue:\n  min_free_disk: 1000000000gb\n", StringComparison.Ordinal));
        await using var slow = RampartProcess.StartRampart(["run", "--config", full.ConfigPath]);
        await slow.WaitForOutputAsync("Rampart started from");
        await slow.WaitForOutputAsync("Queue recovered");
        await using (var c = await SmtpTranscript.ConnectAsync(new IPEndPoint(IPAddress.Loopback, full.InboundPort)))
        {
            await c.HelloAsync();
            await c.CommandAsync("MAIL FROM:<alice@foreign.test>", "452 4.3.1");
        }
        using var client = AdminApi.Anonymous(full.AdminPort);
        var (busy, reasons) = await GetAsync(client, "health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, busy);
        Assert.StartsWith("not ready\nback pressure: queue disk has ", reasons, StringComparison.Ordinal);
        Assert.Contains("(MAIL FROM is answered 452 4.3.1)", reasons, StringComparison.Ordinal);
        var (alive, _) = await GetAsync(client, "health/live");
        Assert.Equal(HttpStatusCode.OK, alive);
        // Probed again and again: the state is logged once, not per probe.
        for (int i = 0; i < 5; i++) await GetAsync(client, "health/ready");
        await slow.WaitForOutputAsync("Not ready for mail: back pressure");
        Assert.Equal(1, Occurrences(slow.Stdout, "Not ready for mail"));
    }

    [Fact]
    public async Task Not_ready_while_a_required_clamd_is_stopped_and_ready_again_when_it_is_back()
    {
        await using var clamd = await ClamdServer.StartAsync();
        using var temp = new TempDirectory("rampart-e2e-health");
        var setup = RampartConfigFile.WriteStandard(temp, admin: true);
        var yaml = File.ReadAllText(setup.ConfigPath)
            .Replace("accepted_domains: [example.test]", "accepted_domains: [example.test]\n    antivirus: {scanners: [clamav]}", StringComparison.Ordinal)
            + "\n" + Antimalware.ScannerYaml.For(clamd);
        RampartConfigFile.Write(setup.ConfigPath, yaml);
        await using var rampart = RampartProcess.StartRampart(["run", "--config", setup.ConfigPath]);
        await rampart.WaitForOutputAsync("Rampart started from");
        using var http = AdminApi.Anonymous(setup.AdminPort);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(http, "health/ready")).Status);

        await clamd.StopAsync();
        // Answers are reused for a second, so the change shows on a later probe.
        string body = "";
        await BoundedWait.UntilAsync(async _ =>
        {
            (var status, body) = await GetAsync(http, "health/ready");
            return status == HttpStatusCode.ServiceUnavailable;
        }, "not ready once clamd is stopped", TimeSpan.FromSeconds(20), rampart.Describe);
        Assert.Equal("not ready\nscanner down: clamav does not answer (mail is answered 451 4.7.1)\n", body);
        await rampart.WaitForOutputAsync("Not ready for mail: scanner down: clamav");

        await clamd.RestartAsync();
        await BoundedWait.UntilAsync(async _ => (await GetAsync(http, "health/ready")).Status == HttpStatusCode.OK,
            "ready once clamd is back", TimeSpan.FromSeconds(20), rampart.Describe);
        await rampart.WaitForOutputAsync("Ready for mail again");
    }

    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(HttpClient http, string path)
    {
        using var answer = await http.GetAsync(path);
        return (answer.StatusCode, await answer.Content.ReadAsStringAsync());
    }

    private static int Occurrences(string text, string what)
    {
        int count = 0;
        for (int at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal)) count++;
        return count;
    }
}
