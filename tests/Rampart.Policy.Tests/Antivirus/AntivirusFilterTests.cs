using Rampart.Mail;
using Rampart.Policy.Antivirus;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.Policy.Tests.Antivirus;

/// <summary>The filter's verdicts with real scanners: all must pass, viruses refused or held, failures fail closed.</summary>
[Collection(AntivirusCollection.Name)]
public sealed class AntivirusFilterTests(AntivirusServers servers)
{
    private static async Task<Verdict> FilterAsync(AntivirusOptions options, byte[] message)
    {
        await using var service = VirusScanService.Create(options);
        return await new AntivirusFilter(service, options).OnMessageAsync(AntivirusServers.Message(message), default)
            .AsTask().WaitAsync(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task With_both_scanners_a_clean_message_passes_and_a_virus_is_refused_with_its_name()
    {
        var options = new AntivirusOptions { Scanners = [servers.ClamdTcp, servers.IcapService] };

        Assert.IsType<Verdict.Continue>(await FilterAsync(options, Samples.Get("clean")));
        var reject = Assert.IsType<Verdict.Reject>(await FilterAsync(options, Samples.Get("zip")));
        Assert.Equal($"554 5.7.1 Message refused: virus found ({ClamdServer.EicarBodyName}) by clamd", reject.Reply.ToString());
    }

    [Fact]
    public async Task Quarantine_when_configured_names_the_virus_and_the_scanner()
    {
        var options = new AntivirusOptions { Scanners = [servers.IcapService], OnInfected = InfectedAction.Quarantine };

        var held = Assert.IsType<Verdict.Quarantine>(await FilterAsync(options, Samples.Get("custom-marker")));

        Assert.Equal($"virus: {ClamdServer.CustomName} (icap)", held.Reason);
    }

    [Fact]
    public async Task One_scanner_down_is_enough_to_fail_closed()
    {
        // clamd says clean, the ICAP service is not there: the message must not pass.
        var options = new AntivirusOptions
        {
            Scanners = [servers.ClamdTcp, new() { Kind = ScannerKind.Icap, Address = $"icap://127.0.0.1:{FreePort.Next()}/avscan" }],
        };

        var verdict = Assert.IsType<Verdict.TempFail>(await FilterAsync(options, Samples.Get("clean")));

        Assert.Equal("451 4.7.1 Virus scanner unavailable; try again later", verdict.Reply.ToString());
    }

    [Fact]
    public async Task Clamd_stopped_mid_test_fails_closed_and_passes_again_once_back()
    {
        await using var clamd = await ClamdServer.StartAsync();
        var scanner = new ScannerOptions { Kind = ScannerKind.Clamd, Address = clamd.TcpAddress, ConnectTimeout = TimeSpan.FromSeconds(2) };
        var tempFail = new AntivirusOptions { Scanners = [scanner] };
        var quarantine = tempFail with { OnFailure = ScanFailureAction.Quarantine };
        await using var service = VirusScanService.Create(tempFail);
        var filter = new AntivirusFilter(service, tempFail);
        var clean = Samples.Get("clean");

        Assert.IsType<Verdict.Continue>(await filter.OnMessageAsync(AntivirusServers.Message(clean), default));
        await clamd.StopAsync();

        // The pooled session is dead now too: the retry on a fresh connection is refused. (New content each time:
        // content already known clean under the current signatures may still be answered from the cache.)
        byte[] Unseen() => [.. clean, .. System.Text.Encoding.ASCII.GetBytes(Guid.NewGuid().ToString("N") + "\r\n")];
        Assert.IsType<Verdict.TempFail>(await filter.OnMessageAsync(AntivirusServers.Message(Unseen()), default).AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        var held = Assert.IsType<Verdict.Quarantine>(await new AntivirusFilter(service, quarantine)
            .OnMessageAsync(AntivirusServers.Message(Unseen()), default).AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal([QuarantineReason.ScanPendingHold], held.Filters);
        Assert.StartsWith("scan-failed: clamd: ", held.Reason);

        await clamd.RestartAsync();
        Assert.IsType<Verdict.Continue>(await filter.OnMessageAsync(AntivirusServers.Message(clean), default));
        Assert.IsType<Verdict.Reject>(await filter.OnMessageAsync(AntivirusServers.Message(Samples.Get("base64-76")), default));
    }

    [Fact]
    public async Task The_second_scan_of_the_same_content_is_answered_from_the_cache()
    {
        var options = new AntivirusOptions { Scanners = [servers.ClamdTcp, servers.IcapService] };
        await using var service = VirusScanService.Create(options);
        var filter = new AntivirusFilter(service, options);
        var clamd = (ClamdScanner)service.Scanners[0];
        var icap = (IcapScanner)service.Scanners[1];
        var infected = Samples.Get("nested-zip");
        var clean = Samples.Get("clean");

        Assert.IsType<Verdict.Reject>(await filter.OnMessageAsync(AntivirusServers.Message(infected), default));
        Assert.IsType<Verdict.Continue>(await filter.OnMessageAsync(AntivirusServers.Message(clean), default));
        Assert.IsType<Verdict.Reject>(await filter.OnMessageAsync(AntivirusServers.Message(infected), default));
        Assert.IsType<Verdict.Continue>(await filter.OnMessageAsync(AntivirusServers.Message(clean), default));

        Assert.Equal(2, clamd.ScansSent);
        Assert.Equal(2, icap.ScansSent);
        var report = await service.ScanAsync(() => new MemoryStream(clean), default);
        Assert.All(report.Verdicts, v => Assert.True(v.FromCache));
    }

    [Fact]
    public void Threat_names_in_replies_are_ascii_and_bounded()
    {
        Assert.Equal("Bad?Name?", AntivirusFilter.Safe("Bad\r\nName"[..3] + "\u00e9Name\0"));
        Assert.Equal(100, AntivirusFilter.Safe(new string('A', 500)).Length);
    }
}
