using System.Net;
using System.Text.Json;
using Rampart.EndToEnd.Fixtures;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.EndToEnd.Tracking;

/// <summary>
/// Message tracking through the built program, with its console at warning (tracking hears what the console does not
/// print): real SMTP both ways, inbound relayed to a real Postfix (so the next hop's queue id is Postfix's own),
/// outbound to a next hop that is down (deferred), one recipient refused at RCPT. Then `rampart track` and
/// `rampart stats`, tables and JSON, against the running gateway (API) and the stopped one (tracking.db).
/// </summary>
public sealed class MessageTrackingTests
{
    private static readonly TimeSpan CliTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Track_and_stats_follow_messages_both_ways_and_past_the_next_hop_running_and_stopped()
    {
        using var temp = new TempDirectory("rampart-e2e-tracking");
        await using var postfix = await PostfixServer.StartAsync();
        int inbound = FreePort.Next(), outbound = FreePort.Next(), admin = FreePort.Next(), down = FreePort.Next();
        var dataDir = temp.File("data");
        var config = RampartConfigFile.Write(temp.File("rampart.yaml"), $$"""
            hostname: mx.rampart.test
            data_dir: {{dataDir}}
            log_level: warning
            listeners:
              inbound:
                role: inbound
                address: 127.0.0.1
                port: {{inbound}}
                accepted_domains: [example.test]
              outbound:
                role: outbound
                address: 127.0.0.1
                port: {{outbound}}
                relay_networks: [127.0.0.0/8]
            routes:
              internal: {transport: smtp, hosts: ["127.0.0.1:{{postfix.Port}}"], tls: none}
              internet: {transport: smtp, hosts: ["127.0.0.1:{{down}}"], tls: none}
            routing:
              - domains: [example.test]
                route: internal
              - domains: ["*"]
                route: internet
            queue:
              retry_initial: 1h
              retry_max: 1h
            tracking:
              retention: 30d
            {{RampartConfigFile.AdminYaml(admin).Replace("\n", "\n            ")}}
            """);
        await using var rampart = RampartProcess.StartRampart(["run", "--config", config]);
        await rampart.WaitForPortAsync(admin);

        // Inbound, relayed to Postfix; outbound, to a next hop that is down; one recipient refused at RCPT.
        var marker = TestMessages.NewMarker("track");
        var inboundReply = await TestMessages.SendAsync(new IPEndPoint(IPAddress.Loopback, inbound), "Alice@Sender.test", "bob@example.test",
            TestMessages.Message(marker, "bob@example.test", TestMessages.Body(marker)));
        var inboundId = inboundReply.Split(' ')[^1];
        var outboundId = await TestMessages.SendForQueueIdAsync(outbound, "bob@example.test", "friend@elsewhere.test",
            "From: <bob@example.test>\r\nSubject: out\r\nMessage-ID: <out-" + marker + "@example.test>\r\n\r\nhello\r\n");
        await using (var refused = await SmtpTranscript.ConnectAsync(new IPEndPoint(IPAddress.Loopback, inbound)))
        {
            await refused.HelloAsync();
            await refused.CommandAsync("MAIL FROM:<spammer@bad.test>", "250");
            await refused.CommandAsync("RCPT TO:<victim@elsewhere.test>", "550 5.7.1");
            await refused.SendAsync("QUIT\r\n");
        }
        await postfix.WaitForMessageAsync("bob", marker);

        // The writer stores in batches off the hot path: wait (bounded) for the last events over the API.
        using var api = AdminApi.Authorized(admin, dataDir);
        await BoundedWait.UntilAsync(async _ =>
            (await api.GetStringAsync($"api/tracking?queue_id={inboundId}")).Contains("\"DELIVER\"", StringComparison.Ordinal)
            && (await api.GetStringAsync($"api/tracking?queue_id={outboundId}")).Contains("\"DEFER\"", StringComparison.Ordinal)
            && (await api.GetStringAsync("api/tracking?event=REJECT")).Contains("victim@elsewhere.test", StringComparison.Ordinal),
            "the delivery, the deferral and the refusal in tracking", TimeSpan.FromSeconds(30));

        var running = await TrackJsonAsync(config, "--message-id", $"<{marker}@e2e.rampart.test>");
        var nextHopQueueId = AssertInboundChain(running, inboundId, marker);
        // Postfix's own log knows the message by that id: tracking follows it past Rampart.
        Assert.Contains($"{nextHopQueueId}: client=", postfix.MailLog, StringComparison.Ordinal);
        Assert.Equal(Raw(running), Raw(await TrackJsonAsync(config, "--queue-id", nextHopQueueId)));
        var table = await RunAsync(config, "track", "--message-id", $"{marker}@e2e.rampart.test");
        AssertTable(table, inboundId, nextHopQueueId);

        var outboundChain = await TrackJsonAsync(config, "--sender", "BOB@example.test");
        AssertOutboundChain(outboundChain, outboundId);
        var rejected = await TrackJsonAsync(config, "--event", "REJECT", "--recipient", "@ELSEWHERE.test");
        var reject = Assert.Single(rejected);
        Assert.Equal(("RCPT", "spammer@bad.test", "victim@elsewhere.test", "inbound"), (S(reject, "stage"), S(reject, "sender"), S(reject, "recipient"), S(reject, "direction")));
        Assert.StartsWith("550 5.7.1", S(reject, "detail"), StringComparison.Ordinal);

        var statsRunning = await RunAsync(config, "stats", "--json");
        AssertStats(statsRunning);
        AssertStatsTable(await RunAsync(config, "stats", "--hours"));

        rampart.Terminate();
        Assert.Equal(0, await rampart.WaitForExitAsync(TimeSpan.FromSeconds(30)));

        // Stopped: the same answers, straight from data/tracking.db.
        var stopped = await TrackJsonAsync(config, "--message-id", $"<{marker}@e2e.rampart.test>");
        Assert.Equal(Raw(running), Raw(stopped));
        AssertTable(await RunAsync(config, "track", "--message-id", $"{marker}@e2e.rampart.test"), inboundId, nextHopQueueId);
        AssertOutboundChain(await TrackJsonAsync(config, "--sender", "bob@example.test"), outboundId);
        AssertStats(await RunAsync(config, "stats", "--json"));
        AssertStatsTable(await RunAsync(config, "stats", "--hours"));

        // Arguments are checked before anything is read: exit code 2 with the reason.
        foreach (var bad in new[] { new[] { "track", "--limit", "0" }, ["track", "--event", "DROP"], ["track", "--sender", new string('a', 2000)],
                     ["track", "--since", "last week"], ["stats", "--days", "400"] })
        {
            await using var run = await RampartProcess.RunRampartAsync([.. bad, "--config", config], CliTimeout);
            Assert.True(run.ExitCode == 2, run.Describe());
            Assert.StartsWith("rampart: ", run.Stderr, StringComparison.Ordinal);
        }
        Assert.False(File.Exists(Path.Combine(dataDir, "tracking.db-wal")), "the offline reads left a WAL beside tracking.db");
    }

    private static string NextHopQueueIdOf(JsonElement deliver) => S(deliver, "next_hop_queue_id")!;

    /// <summary>RECEIVE, ROUTE, DELIVER of the inbound message; returns Postfix's queue id for it.</summary>
    private static string AssertInboundChain(List<JsonElement> chain, string queueId, string marker)
    {
        Assert.Equal(["RECEIVE", "ROUTE", "DELIVER"], chain.Select(e => S(e, "event")));
        Assert.All(chain, e => Assert.Equal(queueId, S(e, "queue_id")));
        Assert.All(chain, e => Assert.Equal("inbound", S(e, "direction")));
        var receive = chain[0];
        Assert.Equal(("Alice@Sender.test", "bob@example.test", "127.0.0.1", "inbound", $"{marker}@e2e.rampart.test"),
            (S(receive, "sender"), S(receive, "recipient"), S(receive, "client"), S(receive, "listener"), S(receive, "message_id")));
        Assert.True(receive.GetProperty("size").GetInt64() > 0);
        Assert.Equal("internal", S(chain[1], "route"));
        var deliver = chain[2];
        Assert.Equal("internal", S(deliver, "route"));
        Assert.Contains("127.0.0.1", S(deliver, "next_hop"), StringComparison.Ordinal);
        var reply = S(deliver, "detail")!;
        // Postfix's own words ("250 2.0.0 Ok: 3110 bytes queued as 707BAB"), whole.
        Assert.StartsWith("250 2.0.0 Ok: ", reply, StringComparison.Ordinal);
        var id = NextHopQueueIdOf(deliver);
        Assert.EndsWith($" queued as {id}", reply, StringComparison.Ordinal);
        return id;
    }

    private static void AssertOutboundChain(List<JsonElement> chain, string queueId)
    {
        Assert.Equal("RECEIVE", S(chain[0], "event"));
        Assert.Contains(chain, e => S(e, "event") == "ROUTE" && S(e, "route") == "internet");
        var defer = Assert.Single(chain, e => S(e, "event") == "DEFER" && S(e, "recipient") is not null);
        Assert.StartsWith("4", S(defer, "detail"), StringComparison.Ordinal);
        Assert.All(chain, e => Assert.Equal(queueId, S(e, "queue_id")));
        Assert.All(chain.Where(e => S(e, "direction") is not null), e => Assert.Equal("outbound", S(e, "direction")));
        Assert.DoesNotContain(chain, e => S(e, "event") == "DELIVER");
    }

    private static void AssertTable(string table, string queueId, string nextHopQueueId)
    {
        Assert.Contains("Next hop's queue id", table, StringComparison.Ordinal);
        var deliver = Assert.Single(table.Split('\n'), l => l.Contains(" DELIVER ", StringComparison.Ordinal));
        Assert.Contains(queueId, deliver, StringComparison.Ordinal);
        Assert.Contains(nextHopQueueId, deliver, StringComparison.Ordinal);
        Assert.Single(table.Split('\n'), l => l.Contains(" RECEIVE ", StringComparison.Ordinal) && l.Contains("Alice@Sender.test", StringComparison.Ordinal));
        Assert.Contains("3 event(s)", table, StringComparison.Ordinal);
    }

    /// <summary>The people's tables: one total row per direction (messages, bytes, recipients, refused, delivered...), the top lists.</summary>
    private static void AssertStatsTable(string table)
    {
        var lines = table.Split('\n');
        Assert.Single(lines, l => l.TrimStart().StartsWith("all ", StringComparison.Ordinal) && l.Contains(" inbound ", StringComparison.Ordinal));
        Assert.Single(lines, l => l.TrimStart().StartsWith("all ", StringComparison.Ordinal) && l.Contains(" outbound ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(":00 ", StringComparison.Ordinal) && l.Contains(" inbound ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("Alice@Sender.test", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("550 5.7.1", StringComparison.Ordinal));
        Assert.Contains("Top refusal reasons", table, StringComparison.Ordinal);
    }

    /// <summary>What was sent and refused, by direction: one message each way, one refusal inbound, one delivery in, one deferral out.</summary>
    private static void AssertStats(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var totals = doc.RootElement.GetProperty("totals").EnumerateArray().ToDictionary(t => S(t, "direction")!, t => t.Clone());
        long N(string direction, string name) => totals[direction].GetProperty(name).GetInt64();
        Assert.Equal((1, 1, 1, 1, 0), (N("inbound", "messages"), N("inbound", "recipients"), N("inbound", "rejected"), N("inbound", "delivered"), N("inbound", "deferred")));
        Assert.Equal((1, 1, 0, 0, 1), (N("outbound", "messages"), N("outbound", "recipients"), N("outbound", "rejected"), N("outbound", "delivered"), N("outbound", "deferred")));
        Assert.True(N("inbound", "bytes") > 0 && N("outbound", "bytes") > 0);
        var perDay = doc.RootElement.GetProperty("per_day").EnumerateArray().ToList();
        Assert.Equal(2, perDay.Sum(d => d.GetProperty("messages").GetInt64()));
        Assert.Contains(doc.RootElement.GetProperty("top_senders").EnumerateArray(), s => S(s, "name") == "Alice@Sender.test");
        Assert.StartsWith("550 5.7.1", S(doc.RootElement.GetProperty("top_refusal_reasons")[0], "name"), StringComparison.Ordinal);
    }

    private static async Task<List<JsonElement>> TrackJsonAsync(string config, params string[] args)
    {
        using var doc = JsonDocument.Parse(await RunAsync(config, ["track", .. args, "--json"]));
        var events = doc.RootElement.GetProperty("events").EnumerateArray().Select(e => e.Clone()).ToList();
        Assert.Equal(events.Count, doc.RootElement.GetProperty("count").GetInt32());
        return events;
    }

    private static async Task<string> RunAsync(string config, params string[] args)
    {
        await using var run = await RampartProcess.RunRampartAsync([.. args, "--config", config], CliTimeout);
        Assert.True(run.ExitCode == 0, run.Describe());
        return run.Stdout;
    }

    private static List<string> Raw(List<JsonElement> events) => [.. events.Select(e => e.GetRawText())];

    private static string? S(JsonElement e, string name) => e.GetProperty(name).ValueKind == JsonValueKind.Null ? null : e.GetProperty(name).GetString();
}
