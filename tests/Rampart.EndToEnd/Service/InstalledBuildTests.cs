using System.Net;
using Rampart.EndToEnd.Fixtures;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.EndToEnd.Service;

/// <summary>
/// The parts the other process tests leave to the in-process gateway, run by the program as installed (scripts/test.sh
/// sets RAMPART_PUBLISHED: the native executable compiled ahead of time, with no JIT and no reflection beyond what the
/// compiler kept): recipient validation against a real OpenLDAP (libldap through System.DirectoryServices.Protocols),
/// greylisting kept in a real Redis, and AUTH after STARTTLS from swaks.
/// </summary>
public sealed class InstalledBuildTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TempDirectory temp = new("rampart-installed");

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task Recipients_are_checked_in_a_real_directory()
    {
        await using var slapd = await SlapdServer.StartAsync();
        var files = RampartConfigFile.WriteStandard(temp, inboundExtra: $"recipients:\n  ldap: {slapd.GatewayLdapYaml("timeout: 5s")}");
        await using var rampart = await StartAsync(files);

        await using var smtp = await MailFromAsync(files, "a@foreign.test");
        await smtp.CommandAsync("RCPT TO:<bob@example.test>", "250 2.1.5");
        await smtp.CommandAsync("RCPT TO:<mallory@example.test>", "550 5.1.1 ");
    }

    [Fact]
    public async Task Greylisting_keeps_its_triplets_in_a_real_Redis()
    {
        await using var redis = new RedisServer();
        await redis.InitializeAsync();
        const string prefix = "rampart-installed:";
        var files = RampartConfigFile.WriteStandard(temp, inboundExtra: "greylisting: {delay: 5m, auto_allow_after: 0}",
            topExtra: $"greylisting_store: {{type: redis, redis: \"{redis.Configuration}\", key_prefix: \"{prefix}\"}}\n");
        await using var rampart = await StartAsync(files);

        await using var smtp = await MailFromAsync(files, "alice@sender.test");
        await smtp.CommandAsync("RCPT TO:<bob@example.test>", "451 4.7.1 ");
        // The count line of KEYS' answer: the pending triplet (and its count) are in Redis, under the configured prefix.
        var keys = await redis.CommandAsync("KEYS", prefix + "*");
        Assert.True(keys is not ("*0" or ""), $"no greylisting key in Redis: '{keys}'\n{rampart.Describe()}");
    }

    [Fact]
    public async Task Auth_after_STARTTLS_relays_for_a_user_added_by_the_user_verb()
    {
        var files = RampartConfigFile.WriteStandard(temp, outboundExtra: "auth: {mechanisms: [plain], failure_delay: 1ms, max_failure_delay: 5ms}");
        File.WriteAllText(files.ConfigPath, File.ReadAllText(files.ConfigPath).Replace("relay_networks: [127.0.0.0/8]", "relay_networks: [127.0.0.1/32]",
            StringComparison.Ordinal));
        await using (var add = await RampartProcess.RunRampartAsync(["user", "add", "alice@example.test", "--config", files.ConfigPath], Timeout,
            standardInput: "alice pw\n"))
        {
            Assert.True(add.ExitCode == 0, add.Describe());
        }
        await using var rampart = await StartAsync(files);

        var marker = TestMessages.NewMarker("installed-auth");
        await using var swaks = await ChildProcess.RunAsync(RequiredTool.Find("swaks"),
        [
            "--server", $"127.0.0.1:{files.OutboundPort}",
            // Outside relay_networks (127.0.0.1/32): only AUTH lets this client relay.
            "--local-interface", "127.0.0.2",
            "--ehlo", "client.swaks.test", "--from", "alice@example.test", "--to", "someone@elsewhere.test",
            "--header", $"Subject: {marker}", "--timeout", "20",
            "--tls", "--auth", "PLAIN", "--auth-user", "alice@example.test", "--auth-password", "alice pw",
        ], Timeout);

        Assert.True(swaks.ExitCode == 0, $"swaks failed\n{swaks.Describe()}\n{rampart.Describe()}");
        Assert.Contains("235 2.7.0", swaks.Stdout, StringComparison.Ordinal);
        var eml = Assert.Single(await Eml.WaitForAsync(Path.Combine(files.DataDir, "outgoing"), 1, Timeout, rampart.Describe));
        Assert.Equal(marker, eml.All("Subject").Single());
    }

    /// <summary>A session on the inbound listener, greeted and past MAIL FROM.</summary>
    private static async Task<SmtpTranscript> MailFromAsync(RampartConfigFile.StandardFiles files, string sender)
    {
        var smtp = await SmtpTranscript.ConnectAsync(new IPEndPoint(IPAddress.Loopback, files.InboundPort));
        await smtp.ExpectAsync("220");
        await smtp.CommandAsync("EHLO client.e2e.test", "250");
        await smtp.CommandAsync($"MAIL FROM:<{sender}>", "250 ");
        return smtp;
    }

    private static async Task<RampartProcess> StartAsync(RampartConfigFile.StandardFiles files)
    {
        var rampart = RampartProcess.StartRampart(["run", "--config", files.ConfigPath]);
        await rampart.WaitForOutputAsync("Rampart started from", Timeout);
        return rampart;
    }
}
