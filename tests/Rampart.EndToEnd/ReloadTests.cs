using System.Net;
using Rampart.EndToEnd.Fixtures;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.EndToEnd;

/// <summary>
/// SIGHUP reloads the configuration of the built program instead of killing it: new sessions get the new accepted
/// domains, routes and certificates; a session open across the signal finishes with what it started with; every
/// accepted message reaches the real next hop (smtp-sink); a broken edit keeps the running configuration and the
/// log names file, line and key; a change that needs a restart is named.
/// </summary>
public sealed class ReloadTests
{
    private const string Applied = "Reloaded ";
    private const string Refused = "Reload refused";

    private static string Config(string dataDir, int port, string domains, int sinkPort, string listenerExtra = "") => $$"""
        hostname: mx.rampart.test
        data_dir: {{dataDir}}
        log_level: information
        listeners:
          inbound:
            role: inbound
            address: 127.0.0.1
            port: {{port}}
            accepted_domains: [{{domains}}]
            limits:
              max_recipients: 50
        {{listenerExtra}}
        routes:
          internal: {transport: smtp, hosts: ["127.0.0.1:{{sinkPort}}"]}
          notices: {transport: drop, path: notices}
        routing:
          - domains: [{{domains}}]
            route: internal
          - domains: ["*"]
            route: notices
        queue:
          retry_initial: 100ms
          retry_max: 100ms
        """;

    [Fact]
    public async Task SIGHUP_applies_new_domains_and_routes_to_new_sessions_while_an_open_session_finishes_with_its_own()
    {
        using var temp = new TempDirectory("rampart-e2e-reload");
        await using var first = await SmtpSink.StartAsync();
        await using var second = await SmtpSink.StartAsync();
        int port = FreePort.Next();
        var config = RampartConfigFile.Write(temp.File("rampart.yaml"), Config(temp.File("data"), port, "example.test", first.Port));
        await using var rampart = RampartProcess.StartRampart(["run", "--config", config]);
        await rampart.WaitForOutputAsync("Rampart started from");
        var inbound = new IPEndPoint(IPAddress.Loopback, port);

        var before = TestMessages.NewMarker("before");
        await SendAsync(inbound, "bob@example.test", before);
        await AssertRefusedAsync(inbound, "bob@new.test", "550 5.7.1");
        await first.WaitForDumpsAsync(1);

        // Opened before the reload, finished after it.
        await using var open = await SmtpTranscript.ConnectAsync(inbound);
        await open.ExpectAsync("220");
        await open.CommandAsync("EHLO client.e2e.test", "250");
        await open.CommandAsync("MAIL FROM:<alice@sender.test>", "250");
        await open.CommandAsync("RCPT TO:<bob@example.test>", "250");

        RampartConfigFile.Write(config, Config(temp.File("data"), port, "example.test, new.test", second.Port));
        rampart.Hangup();
        await rampart.WaitForOutputAsync(Applied);

        // The open session still has the old accepted domains, and its message is not dropped.
        await open.CommandAsync("RCPT TO:<carol@new.test>", "550 5.7.1");
        var during = TestMessages.NewMarker("during");
        await open.CommandAsync("DATA", "354");
        await open.SendAsync(TestMessages.DotStuff(TestMessages.Message(during, "bob@example.test", TestMessages.Body(during))) + ".\r\n");
        await open.ExpectAsync("250 2.0.0");
        await open.CommandAsync("QUIT", "221");

        // A new session has the new domain; mail now goes by the new route.
        var after = TestMessages.NewMarker("after");
        await SendAsync(inbound, "carol@new.test", after);

        var moved = await second.WaitForDumpsAsync(2);
        Assert.Contains(moved, d => d.Contains(during, StringComparison.Ordinal));
        Assert.Contains(moved, d => d.Contains(after, StringComparison.Ordinal));
        var stayed = await first.WaitForDumpsAsync(1);
        Assert.Single(stayed);
        Assert.Contains(before, stayed[0], StringComparison.Ordinal);
        await WaitForEmptyQueueAsync(temp.File("data"), rampart);
        Assert.False(rampart.HasExited, rampart.Describe());
    }

    [Fact]
    public async Task A_broken_edit_keeps_the_running_configuration_and_the_log_names_file_line_and_key()
    {
        using var temp = new TempDirectory("rampart-e2e-reload");
        await using var sink = await SmtpSink.StartAsync();
        int port = FreePort.Next();
        var good = Config(temp.File("data"), port, "example.test", sink.Port);
        var config = RampartConfigFile.Write(temp.File("rampart.yaml"), good);
        await using var rampart = RampartProcess.StartRampart(["run", "--config", config]);
        await rampart.WaitForOutputAsync("Rampart started from");
        var inbound = new IPEndPoint(IPAddress.Loopback, port);

        // A YAML syntax error (an unterminated quote), together with a domain that must not be taken up.
        RampartConfigFile.Write(config, Config(temp.File("data"), port, "example.test, new.test", sink.Port).Replace("role: inbound", "role: \"inbound"));
        rampart.Hangup();
        await rampart.WaitForOutputAsync(Refused);
        Assert.Matches(@"Reload refused, the running configuration stays: .*rampart\.yaml:\d+:\d+: not valid YAML", rampart.Stdout);

        // A value that is wrong for its key.
        var badValue = Config(temp.File("data"), port, "example.test, new.test", sink.Port).Replace("max_recipients: 50", "max_recipients: lots");
        int line = badValue.Split('\n').ToList().FindIndex(l => l.Contains("max_recipients: lots", StringComparison.Ordinal)) + 1;
        RampartConfigFile.Write(config, badValue);
        rampart.Hangup();
        await rampart.WaitForOutputCountAsync(Refused, 2);
        Assert.Contains($"rampart.yaml:{line}:", rampart.Stdout, StringComparison.Ordinal);
        Assert.Contains("listeners.inbound.limits.max_recipients: 'lots' is not a whole number", rampart.Stdout, StringComparison.Ordinal);

        // A key nobody knows (a typo) is refused the same way.
        RampartConfigFile.Write(config, Config(temp.File("data"), port, "example.test, new.test", sink.Port).Replace("max_recipients: 50", "max_recipient: 50"));
        rampart.Hangup();
        await rampart.WaitForOutputCountAsync(Refused, 3);
        Assert.Contains("max_recipient", rampart.Stdout.Split('\n').Last(l => l.Contains(Refused, StringComparison.Ordinal)), StringComparison.Ordinal);

        // Still the first configuration: new.test is refused, example.test delivered, and the process runs on.
        Assert.Equal(0, rampart.CountOutput(Applied));
        await AssertRefusedAsync(inbound, "bob@new.test", "550 5.7.1");
        var marker = TestMessages.NewMarker("kept");
        await SendAsync(inbound, "bob@example.test", marker);
        Assert.Contains(marker, (await sink.WaitForDumpsAsync(1))[0], StringComparison.Ordinal);

        // Fixed: the next SIGHUP applies it.
        RampartConfigFile.Write(config, Config(temp.File("data"), port, "example.test, new.test", sink.Port));
        rampart.Hangup();
        await rampart.WaitForOutputAsync(Applied);
        await SendAsync(inbound, "bob@new.test", TestMessages.NewMarker("fixed"));
        await sink.WaitForDumpsAsync(2);
        Assert.False(rampart.HasExited, rampart.Describe());
    }

    [Fact]
    public async Task A_new_listener_port_is_reported_as_needing_a_restart_and_the_old_port_keeps_serving()
    {
        using var temp = new TempDirectory("rampart-e2e-reload");
        await using var sink = await SmtpSink.StartAsync();
        int port = FreePort.Next(), otherPort = FreePort.Next();
        var config = RampartConfigFile.Write(temp.File("rampart.yaml"), Config(temp.File("data"), port, "example.test", sink.Port));
        await using var rampart = RampartProcess.StartRampart(["run", "--config", config]);
        await rampart.WaitForOutputAsync("Rampart started from");

        RampartConfigFile.Write(config, Config(temp.File("data"), otherPort, "example.test, new.test", sink.Port)
            .Replace("max_recipients: 50", "max_recipients: 50\n      max_connections: 7"));
        rampart.Hangup();
        await rampart.WaitForOutputAsync(Applied);
        // A line of its own, not necessarily read from the child's output before the "applied" one.
        await rampart.WaitForOutputAsync("need a restart");

        var restart = rampart.Stdout.Split('\n').Single(l => l.Contains("need a restart", StringComparison.Ordinal));
        Assert.Contains("listeners.inbound.port", restart, StringComparison.Ordinal);
        Assert.Contains("listeners.inbound.limits.max_connections", restart, StringComparison.Ordinal);
        Assert.DoesNotContain("accepted_domains", restart, StringComparison.Ordinal);
        // The rest of the edit is applied on the port that stays open.
        await SendAsync(new IPEndPoint(IPAddress.Loopback, port), "bob@new.test", TestMessages.NewMarker("same-port"));
        await sink.WaitForDumpsAsync(1);
        // Only the started port was ever opened (the log, not a probe: another test may own the free port by now).
        Assert.Contains($"listening on 127.0.0.1:{port}", rampart.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain($"127.0.0.1:{otherPort}", rampart.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_certificate_renewed_in_place_is_presented_to_new_sessions_after_SIGHUP()
    {
        using var temp = new TempDirectory("rampart-e2e-reload");
        await using var sink = await SmtpSink.StartAsync();
        using var firstPki = TestPki.Create();
        using var secondPki = TestPki.Create();
        var tls = temp.File("tls");
        firstPki.WritePem(tls);
        int port = FreePort.Next();
        var yaml = Config(temp.File("data"), port, "example.test", sink.Port,
            $"    tls: {{certificate: {tls}/server.crt, key: {tls}/server.key}}");
        var config = RampartConfigFile.Write(temp.File("rampart.yaml"), yaml);
        await using var rampart = RampartProcess.StartRampart(["run", "--config", config]);
        await rampart.WaitForOutputAsync("Rampart started from");
        var inbound = new IPEndPoint(IPAddress.Loopback, port);

        await using var old = await StartTlsAsync(inbound);
        Assert.Equal(firstPki.Server.Thumbprint, old.RemoteCertificate!.GetCertHashString());

        secondPki.WritePem(tls); // same paths, new files: a renewal
        rampart.Hangup();
        await rampart.WaitForOutputAsync(Applied);

        await using var renewed = await StartTlsAsync(inbound);
        Assert.Equal(secondPki.Server.Thumbprint, renewed.RemoteCertificate!.GetCertHashString());
        // The session that started under the old certificate carries on inside its TLS session.
        await old.CommandAsync("EHLO client.e2e.test", "250");
        await old.CommandAsync("MAIL FROM:<alice@sender.test>", "250");
        await old.CommandAsync("RCPT TO:<bob@example.test>", "250");
        var marker = TestMessages.NewMarker("tls");
        await old.CommandAsync("DATA", "354");
        await old.SendAsync(TestMessages.DotStuff(TestMessages.Message(marker, "bob@example.test", TestMessages.Body(marker))) + ".\r\n");
        await old.ExpectAsync("250 2.0.0");
        Assert.Contains(marker, (await sink.WaitForDumpsAsync(1))[0], StringComparison.Ordinal);
    }

    private static async Task<SmtpTranscript> StartTlsAsync(IPEndPoint server)
    {
        var smtp = await SmtpTranscript.ConnectAsync(server);
        await smtp.ExpectAsync("220");
        await smtp.CommandAsync("EHLO client.e2e.test", "250");
        await smtp.CommandAsync("STARTTLS", "220");
        await smtp.StartTlsAsync();
        return smtp;
    }

    private static Task SendAsync(IPEndPoint server, string to, string marker) =>
        TestMessages.SendAsync(server, "alice@sender.test", to, TestMessages.Message(marker, to, TestMessages.Body(marker)));

    private static async Task AssertRefusedAsync(IPEndPoint server, string to, string reply)
    {
        await using var smtp = await SmtpTranscript.ConnectAsync(server);
        await smtp.ExpectAsync("220");
        await smtp.CommandAsync("EHLO client.e2e.test", "250");
        await smtp.CommandAsync("MAIL FROM:<alice@sender.test>", "250");
        await smtp.CommandAsync($"RCPT TO:<{to}>", reply);
    }

    /// <summary>Every accepted message delivered: nothing left in the queue (bounded wait).</summary>
    private static Task WaitForEmptyQueueAsync(string dataDir, RampartProcess rampart)
    {
        var active = Path.Combine(dataDir, "queue", "active");
        return BoundedWait.UntilAsync(() => !Directory.EnumerateFiles(active).Any(), "an empty queue", TimeSpan.FromSeconds(20),
            () => $"left: {string.Join(", ", Directory.EnumerateFiles(active))}\n{rampart.Describe()}", TimeSpan.FromMilliseconds(50));
    }
}
