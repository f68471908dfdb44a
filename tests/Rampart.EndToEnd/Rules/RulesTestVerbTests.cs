using System.Text.Json;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.EndToEnd.Rules;

/// <summary>`rampart rules test` on a message file, run as the built program: the table for people, --json for scripts, and refusals.</summary>
public sealed class RulesTestVerbTests : IDisposable
{
    private static readonly TimeSpan CliTimeout = TimeSpan.FromSeconds(60);

    private readonly TempDirectory temp = new("rampart-rules-verb");

    private const string Config = """
        hostname: mx.example.test
        listeners:
          inbound: {role: inbound, address: 127.0.0.1, port: 2525, accepted_domains: [example.test]}
          outbound: {role: outbound, address: 127.0.0.1, port: 2587, relay_networks: [127.0.0.0/8]}
        routes:
          local: {transport: drop, path: drop}
        routing:
          - domains: ["*"]
            route: local
        transport_rules:
          - name: external-warning
            conditions: {direction: inbound, sender_scope: external}
            exceptions: {sender_domains: [partner.test]}
            actions: {prepend_subject: "[EXTERNAL]", add_header: {X-External: "yes"}}
          - name: spam-review
            conditions: {spam_level_at_least: 6, dmarc: [fail]}
            actions: {quarantine: likely phish}
          - name: outbound-only
            conditions: {direction: outbound}
            actions: {remove_header: [X-Internal]}
        """;

    // Written with bare LF line ends, as an editor saves it: the verb reads it as the gateway stores mail.
    private const string Message = "From: Mallory <m@outside.test>\nTo: bob@example.test\nSubject: Invoice\nX-Internal: 1\n\nPlease pay.\n";

    public void Dispose() => temp.Dispose();

    private async Task<RampartProcess> RunAsync(params string[] extra)
    {
        File.WriteAllText(temp.File("rampart.yaml"), Config);
        File.WriteAllText(temp.File("m.eml"), Message);
        return await RampartProcess.RunRampartAsync(["rules", "test", temp.File("m.eml"), "--config", temp.File("rampart.yaml"), .. extra], CliTimeout);
    }

    [Fact]
    public async Task The_table_says_which_rules_match_and_why_and_shows_the_header_after_them()
    {
        await using var run = await RunAsync("--listener", "inbound", "--from", "m@outside.test", "--to", "bob@example.test", "--scl", "7", "--dmarc", "pass");

        Assert.True(run.ExitCode == 0, run.Describe());
        var lines = run.Stdout.Split('\n').Select(l => l.TrimEnd()).ToList();
        Assert.Contains(lines, l => l.Contains("external-warning", StringComparison.Ordinal) && l.Contains("matched", StringComparison.Ordinal)
            && l.Contains("sender_scope: sender <m@outside.test> is external", StringComparison.Ordinal)
            && l.Contains("add header X-External; prepend subject \"[EXTERNAL]\"", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("spam-review", StringComparison.Ordinal) && l.Contains("not matched", StringComparison.Ordinal)
            && l.Contains("dmarc: dmarc=pass, not fail", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("outbound-only", StringComparison.Ordinal) && l.Contains("direction: inbound listener", StringComparison.Ordinal));
        Assert.Contains("verdict on listener inbound: deliver", lines);
        Assert.Contains("Subject: [EXTERNAL] Invoice", lines);
        Assert.Contains("X-External: yes", lines);
        Assert.DoesNotContain("Please pay.", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_gives_each_rule_its_result_and_reason_and_the_verdict_for_scripts()
    {
        await using var run = await RunAsync("--from", "m@outside.test", "--to", "bob@example.test", "--scl", "7", "--dmarc", "fail", "--json",
            "--show-message");

        Assert.True(run.ExitCode == 0, run.Describe());
        using var json = JsonDocument.Parse(run.Stdout);
        var root = json.RootElement;
        Assert.Equal(("inbound", "quarantine", "rule spam-review: likely phish"),
            (root.GetProperty("listener").GetString(), root.GetProperty("verdict").GetString(), root.GetProperty("reply").GetString()));
        var rules = root.GetProperty("rules").EnumerateArray().Select(r => (r.GetProperty("name").GetString(), r.GetProperty("result").GetString())).ToList();
        Assert.Equal([("external-warning", "matched"), ("spam-review", "matched"), ("outbound-only", "not matched")], rules);
        Assert.Equal("spam_level_at_least: SCL 7 >= 6; dmarc: dmarc=fail", root.GetProperty("rules")[1].GetProperty("why").GetString());
        Assert.EndsWith("\r\n\r\nPlease pay.\r\n", root.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_arguments_are_refused_with_exit_code_2_and_a_reason()
    {
        await using (var run = await RunAsync("--listener", "sideways", "--from", "a@b.test", "--to", "bob@example.test"))
        {
            Assert.Equal(2, run.ExitCode);
            Assert.Contains("there is no listener named 'sideways'", run.Stderr, StringComparison.Ordinal);
        }
        await using (var run = await RunAsync("--from", "a@b.test", "--to", "bob@example.test", "--client", "010.0.0.1"))
        {
            Assert.Equal(2, run.ExitCode);
            Assert.Contains("is not an IP address", run.Stderr, StringComparison.Ordinal);
        }
        await using (var run = await RunAsync("--from", "a@b.test", "--to", "bob smith@example.test"))
        {
            Assert.Equal(2, run.ExitCode);
            Assert.Contains("--to: an address holds a space", run.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal);
        }
        await using (var run = await RunAsync("--from", "a\r\nb@b.test", "--to", "bob@example.test"))
        {
            Assert.Equal(2, run.ExitCode);
            Assert.Contains("--from: ", run.Stderr, StringComparison.Ordinal);
        }
    }
}
