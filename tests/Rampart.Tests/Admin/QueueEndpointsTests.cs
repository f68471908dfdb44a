using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Rampart.Commands.Admin;
using Rampart.Commands.Queue;
using Rampart.Configuration;
using Rampart.Mail;
using Rampart.Queue;
using Rampart.QueueAdmin;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.Tests.Admin;

/// <summary>
/// /api/queue and /api/quarantine on an in-process gateway over real HTTP: the answers and their codes, the filters
/// as query parameters, hostile ids and queries, and the CLI's client side (RemoteQueue) reading them back.
/// </summary>
public sealed class QueueEndpointsTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private const string Top = "queue: {retry_initial: 1h, retry_max: 1h}\nadmin: {listen: 127.0.0.1:0}";

    private static HttpClient Http(TestGateway gw, bool token = true)
    {
        var http = new HttpClient { BaseAddress = new Uri($"http://{gw.Gateway.Admin!.EndPoint}/"), Timeout = Bound };
        if (token) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(Path.Combine(gw.DataDir, "admin.token")).Trim());
        return http;
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> CallAsync(HttpClient http, HttpMethod method, string path)
    {
        using var response = await http.SendAsync(new HttpRequestMessage(method, path));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private static async Task<string> DeferredAsync(TestGateway gw, string to = "bob@example.test")
    {
        await using var c = await gw.ConnectAsync();
        await c.HelloAsync();
        await c.EnvelopeAsync("alice@sender.test", to);
        var id = (await c.DataAsync($"From: <alice@sender.test>\r\nSubject: api\r\nTo: <{to}>\r\n\r\nHello.\r\n"))[^1].Split(' ')[^1];
        await BoundedWait.UntilAsync(() => gw.Gateway.Delivery.DueAt(id) is not null, "deferred", Bound);
        return id;
    }

    [Fact]
    public async Task The_queue_routes_list_show_hold_release_flush_and_delete_with_their_codes()
    {
        int nextHop = FreePort.Next();
        await using var gw = await TestGateway.StartWithNextHopAsync(nextHop, routeExtra: ", tls: none", topExtra: Top);
        using var http = Http(gw);
        var id = await DeferredAsync(gw);

        var (status, list) = await CallAsync(http, HttpMethod.Get, "api/queue?destination=example.test&state=deferred&older_than=0s&sender=alice");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, list.GetProperty("total").GetInt32());
        var message = list.GetProperty("messages")[0];
        Assert.Equal(id, message.GetProperty("id").GetString());
        Assert.Equal("deferred", message.GetProperty("state").GetString());
        Assert.Equal(1, message.GetProperty("attempts").GetInt32());
        Assert.Equal(JsonValueKind.String, message.GetProperty("next_attempt").ValueKind);
        Assert.Equal("deferred", message.GetProperty("recipients")[0].GetProperty("state").GetString());
        Assert.Equal(0, (await CallAsync(http, HttpMethod.Get, "api/queue?destination=other.test")).Body.GetProperty("total").GetInt32());

        var (shown, detail) = await CallAsync(http, HttpMethod.Get, $"api/queue/{id}");
        Assert.Equal(HttpStatusCode.OK, shown);
        Assert.Contains("Subject: api", detail.GetProperty("header").GetString(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await CallAsync(http, HttpMethod.Post, $"api/queue/{id}/hold")).Status);
        var (refused, problem) = await CallAsync(http, HttpMethod.Post, $"api/queue/{id}/retry");
        Assert.Equal(HttpStatusCode.Conflict, refused);
        Assert.Equal("is-held", problem.GetProperty("title").GetString());
        Assert.Equal("held", (await CallAsync(http, HttpMethod.Get, "api/queue?state=held")).Body.GetProperty("messages")[0].GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(http, HttpMethod.Post, $"api/queue/{id}/release")).Status);
        Assert.Equal(HttpStatusCode.Conflict, (await CallAsync(http, HttpMethod.Post, $"api/queue/{id}/release")).Status);

        await using var sink = await SmtpSink.StartOnPortAsync(nextHop);
        var (flushed, flush) = await CallAsync(http, HttpMethod.Post, "api/queue/flush?destination=example.test");
        Assert.Equal(HttpStatusCode.OK, flushed);
        Assert.Equal(id, flush.GetProperty("ids")[0].GetString());
        await sink.WaitForDumpsAsync(1, Bound);
        await gw.WaitForEmptyQueueAsync();
        // The file leaves active/ inside the attempt: a delete before the attempt's end is "pending", not "not found".
        await BoundedWait.UntilAsync(() => !gw.Gateway.Delivery.IsInFlight(id), "the attempt's end", Bound);

        var (gone, notFound) = await CallAsync(http, HttpMethod.Delete, $"api/queue/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone);
        Assert.Equal("not-found", notFound.GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await CallAsync(http, HttpMethod.Get, $"api/queue/{id}")).Status);
    }

    [Fact]
    public async Task A_deleted_message_answers_200_and_is_gone_and_the_quarantine_routes_see_only_quarantined_ids()
    {
        int nextHop = FreePort.Next();
        await using var gw = await TestGateway.StartWithNextHopAsync(nextHop, routeExtra: ", tls: none", topExtra: Top);
        using var http = Http(gw);
        var queued = await DeferredAsync(gw);
        var held = await QuarantineAsync(gw);
        var other = await QuarantineAsync(gw);

        var (status, list) = await CallAsync(http, HttpMethod.Get, "api/quarantine");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal([held, other], list.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("id").GetString()).Order(StringComparer.Ordinal));
        Assert.Equal("held for a test", list.GetProperty("messages")[0].GetProperty("quarantine").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await CallAsync(http, HttpMethod.Get, $"api/quarantine/{queued}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await CallAsync(http, HttpMethod.Delete, $"api/quarantine/{queued}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(http, HttpMethod.Get, $"api/quarantine/{held}")).Status);

        Assert.Equal(HttpStatusCode.OK, (await CallAsync(http, HttpMethod.Delete, $"api/quarantine/{held}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await CallAsync(http, HttpMethod.Get, $"api/quarantine/{held}")).Status);
        var (released, result) = await CallAsync(http, HttpMethod.Post, $"api/quarantine/{other}/release");
        Assert.Equal(HttpStatusCode.OK, released);
        Assert.Equal("released", result.GetProperty("result").GetString());
        await BoundedWait.UntilAsync(() => !Directory.EnumerateFileSystemEntries(Path.Combine(gw.DataDir, "queue", "quarantine")).Any(), "quarantine emptied", Bound);

        var (deleted, body) = await CallAsync(http, HttpMethod.Delete, $"api/queue/{queued}");
        Assert.Equal(HttpStatusCode.OK, deleted);
        Assert.Equal("deleted", body.GetProperty("result").GetString());
        Assert.False(File.Exists(Path.Combine(gw.DataDir, "queue", "active", queued)));
    }

    [Fact]
    public async Task A_flush_to_a_domain_written_with_its_trailing_dot_flushes_what_the_list_shows_for_it()
    {
        await using var gw = await TestGateway.StartWithNextHopAsync(FreePort.Next(), routeExtra: ", tls: none", topExtra: Top);
        using var http = Http(gw);
        var id = await DeferredAsync(gw);

        var (listed, list) = await CallAsync(http, HttpMethod.Get, "api/queue?destination=example.test.");
        Assert.Equal(HttpStatusCode.OK, listed);
        Assert.Equal(id, list.GetProperty("messages")[0].GetProperty("id").GetString());
        var (flushed, flush) = await CallAsync(http, HttpMethod.Post, "api/queue/flush?destination=example.test.");

        Assert.Equal(HttpStatusCode.OK, flushed);
        Assert.Equal(id, Assert.Single(flush.GetProperty("ids").EnumerateArray()).GetString());
    }

    [Fact]
    public async Task A_misspelt_or_repeated_parameter_is_refused_and_a_misspelt_flush_flushes_nothing()
    {
        int nextHop = FreePort.Next();
        await using var gw = await TestGateway.StartWithNextHopAsync(nextHop, routeExtra: ", tls: none", topExtra: Top);
        using var http = Http(gw);
        var id = await DeferredAsync(gw);
        var due = gw.Gateway.Delivery.DueAt(id);

        var (status, problem) = await CallAsync(http, HttpMethod.Post, "api/queue/flush?destinaton=other.test");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("unknown parameter 'destinaton'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        // Still waiting for its own time: nothing was set going.
        Assert.Equal(due, gw.Gateway.Delivery.DueAt(id));
        Assert.Equal(0, gw.Gateway.Delivery.InFlight);

        foreach (var (method, path) in new[]
        {
            ("GET", "api/queue?sendr=alice"), ("GET", "api/queue?state=held&state=deferred"), ("GET", $"api/queue/{id}?verbose=1"),
            ("POST", "api/queue/flush?destination=example.test&destination=other.test"), ("POST", $"api/queue/{id}/hold?force=1"),
            ("POST", $"api/queue/{id}/release?unscaned=true"), ("DELETE", $"api/queue/{id}?all=1"), ("GET", "api/quarantine?state=active"),
            ("DELETE", $"api/quarantine/{id}?x=1"),
        })
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await CallAsync(http, new HttpMethod(method), path)).Status);
        }
        Assert.Equal(due, gw.Gateway.Delivery.DueAt(id));
        Assert.False(gw.Gateway.Queue.IsHeld(id));
        Assert.Equal(1, (await CallAsync(http, HttpMethod.Get, "api/queue?destination=example.test")).Body.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task The_quarantine_routes_act_on_the_quarantine_only_even_for_an_id_that_is_also_queued()
    {
        int nextHop = FreePort.Next();
        await using var gw = await TestGateway.StartWithNextHopAsync(nextHop, routeExtra: ", tls: none", topExtra: Top);
        using var http = Http(gw);
        // The moment a rescan releases a message: the same id in quarantine/ and (once picked up) in active/. A route
        // that checked "quarantined" and then went through the queue's operations deleted the queued copy.
        var id = await DeferredAsync(gw);
        Assert.True(QueueId.TryParse(id, out var queueId));
        Assert.Equal(id, await QuarantineAsync(gw, queueId));

        var (deleted, body) = await CallAsync(http, HttpMethod.Delete, $"api/quarantine/{id}");
        Assert.Equal(HttpStatusCode.OK, deleted);
        Assert.Equal("deleted from quarantine", body.GetProperty("detail").GetString());
        Assert.True(File.Exists(Path.Combine(gw.DataDir, "queue", "active", id)));
        Assert.Empty(Directory.GetFiles(Path.Combine(gw.DataDir, "queue", "quarantine")));
        Assert.NotNull(gw.Gateway.Delivery.DueAt(id));

        // Gone from the quarantine: 404 from both routes, and still nothing done to the queued message.
        Assert.Equal(HttpStatusCode.NotFound, (await CallAsync(http, HttpMethod.Delete, $"api/quarantine/{id}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await CallAsync(http, HttpMethod.Post, $"api/quarantine/{id}/release")).Status);
        Assert.True(File.Exists(Path.Combine(gw.DataDir, "queue", "active", id)));
        Assert.False(gw.Gateway.Queue.IsHeld(id));
    }

    private static async Task<string> QuarantineAsync(TestGateway gw, QueueId? given = null)
    {
        var id = given ?? QueueId.New();
        await using var writer = gw.Gateway.Queue.CreateWriter(id);
        await writer.WriteAsync(Encoding.ASCII.GetBytes("Subject: held\r\n\r\nbody\r\n"), default);
        await writer.CommitAsync(new QueuedEnvelope
        {
            QueueId = id.Value, Listener = "inbound", Role = ListenerRole.Inbound, ClientAddress = "127.0.0.1",
            Sender = new Sender("alice@sender.test"), Recipients = [new Recipient("bob@example.test")], ReceivedAt = DateTimeOffset.UtcNow,
            Quarantine = new QuarantineHold("held for a test", ["attachments"], DateTimeOffset.UtcNow),
        });
        return id.Value;
    }

    [Theory]
    [InlineData("GET", "api/queue/..%2F..%2F..%2Fetc%2Fpasswd")]
    [InlineData("GET", "api/queue/%2e%2e")]
    [InlineData("POST", "api/queue/..%2Factive%2F01HZZZZZZZZZZZZZZZZZZZZZZZ/hold")]
    [InlineData("DELETE", "api/queue/01HZZZZZZZZZZZZZZZZZZZZZZZ.rcpt")]
    [InlineData("DELETE", "api/quarantine/..%2F..%2Fadmin.token")]
    [InlineData("POST", "api/queue/' OR 1=1 --/retry")]
    [InlineData("GET", "api/queue?older_than=99999999999d")]
    [InlineData("GET", "api/queue?state=active'--")]
    [InlineData("GET", "api/queue?limit=-1")]
    [InlineData("POST", "api/queue/flush?destination=..%2F..")]
    public async Task Hostile_ids_and_queries_are_refused_and_touch_no_file(string method, string path)
    {
        await using var gw = await TestGateway.StartAsync(topExtra: "admin: {listen: 127.0.0.1:0}");
        using var http = Http(gw);
        var before = Directory.GetFiles(gw.DataDir, "*", SearchOption.AllDirectories).Order().ToList();
        var (status, problem) = await CallAsync(http, new HttpMethod(method), path);
        // 400 from the id or filter check; 404 where the client or the router resolved the dots away (no route matched).
        Assert.Contains(status, new[] { HttpStatusCode.BadRequest, HttpStatusCode.NotFound });
        Assert.Equal(JsonValueKind.Object, problem.ValueKind);
        Assert.True(problem.TryGetProperty("title", out _));
        Assert.Equal(before, Directory.GetFiles(gw.DataDir, "*", SearchOption.AllDirectories).Order().ToList());
        Assert.True(File.Exists(Path.Combine(gw.DataDir, "admin.token")));
    }

    [Fact]
    public async Task The_openapi_document_describes_every_queue_and_quarantine_route()
    {
        await using var gw = await TestGateway.StartAsync(topExtra: "admin: {listen: 127.0.0.1:0}");
        using var http = Http(gw, token: false);
        using var document = JsonDocument.Parse(await http.GetStringAsync("openapi/v1.json"));
        var paths = document.RootElement.GetProperty("paths");
        foreach (var (path, method) in new[]
        {
            ("/api/queue", "get"), ("/api/queue/{id}", "get"), ("/api/queue/{id}", "delete"), ("/api/queue/flush", "post"),
            ("/api/queue/{id}/retry", "post"), ("/api/queue/{id}/hold", "post"), ("/api/queue/{id}/release", "post"),
            ("/api/quarantine", "get"), ("/api/quarantine/{id}", "get"), ("/api/quarantine/{id}", "delete"), ("/api/quarantine/{id}/release", "post"),
        })
        {
            Assert.True(paths.TryGetProperty(path, out var item), $"{path} missing");
            Assert.True(item.TryGetProperty(method, out var operation), $"{method} {path} missing");
            Assert.False(string.IsNullOrEmpty(operation.GetProperty("summary").GetString()));
        }
    }

    [Fact]
    public async Task A_huge_query_is_refused_and_no_token_means_401()
    {
        await using var gw = await TestGateway.StartAsync(topExtra: "admin: {listen: 127.0.0.1:0}");
        using var http = Http(gw);
        Assert.Equal(HttpStatusCode.BadRequest, (await CallAsync(http, HttpMethod.Get, "api/queue?sender=" + new string('a', 5000))).Status);
        using var anonymous = Http(gw, token: false);
        foreach (var (method, path) in new[] { ("GET", "api/queue"), ("POST", "api/queue/flush"), ("DELETE", "api/queue/01HZZZZZZZZZZZZZZZZZZZZZZZ"), ("GET", "api/quarantine") })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await CallAsync(anonymous, new HttpMethod(method), path)).Status);
        }
    }

    [Fact]
    public async Task The_cli_client_reads_the_answers_back_as_the_stopped_gateway_s_results()
    {
        int nextHop = FreePort.Next();
        await using var gw = await TestGateway.StartWithNextHopAsync(nextHop, routeExtra: ", tls: none", topExtra: Top);
        var id = await DeferredAsync(gw);
        var options = gw.Options with { Admin = gw.Options.Admin! with { EndPoint = gw.Gateway.Admin!.EndPoint } };
        using var client = await AdminClient.ConnectAsync(options, default);
        var remote = new RemoteQueue(client!);

        Assert.Equal(id, Assert.Single((await remote.ListAsync(QueueFilter.All, default)).Messages).Id);
        Assert.Equal(QueueResults.Held, (await remote.HoldAsync(id, default)).Result);
        var refused = await remote.RetryAsync(id, default);
        Assert.Equal((QueueResults.IsHeld, "held: release it first"), (refused.Result, refused.Detail));
        Assert.Equal(QueueResults.NotFound, (await remote.DeleteAsync("01HZZZZZZZZZZZZZZZZZZZZZZZ", default)).Result);
        Assert.Equal(QueueResults.InvalidId, (await remote.DeleteAsync("../admin.token", default)).Result);
        Assert.Null(await remote.ShowAsync("01HZZZZZZZZZZZZZZZZZZZZZZZ", default));
        Assert.Equal(QueueResults.Released, (await remote.ReleaseAsync(id, false, default)).Result);
        Assert.Equal(QueueResults.Deleted, (await remote.DeleteAsync(id, default)).Result);
        Assert.Empty((await remote.ListAsync(QueueFilter.All, default)).Messages);
    }
}
