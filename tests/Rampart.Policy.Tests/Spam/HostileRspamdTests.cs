using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using Rampart.Policy.Spam;
using Rampart.Testing;

namespace Rampart.Policy.Tests.Spam;

/// <summary>
/// A server that is not a well-behaved Rspamd, on a real socket: oversized, endless, malformed or absent replies are
/// each a failure (so the failure mode decides), read only up to the limit.
/// </summary>
public sealed class HostileRspamdTests
{
    /// <summary>
    /// Accepts one connection, reads the request head (and the body it announces), then answers
    /// <paramref name="reply"/> (null: never answers) and hangs up.
    /// </summary>
    private static async Task<(SpamCheck Check, int Served, string Request)> AgainstAsync(Func<NetworkStream, CancellationToken, Task>? reply,
        SpamOptions? options = null, FakeTimeProvider? time = null, string host = "127.0.0.1")
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var requested = new TaskCompletionSource();
        var served = 0;
        var request = new StringBuilder();
        var server = Task.Run(async () =>
        {
            using var socket = await listener.AcceptTcpClientAsync(stop.Token);
            var stream = socket.GetStream();
            var buffer = new byte[4096];
            while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var read = await stream.ReadAsync(buffer, stop.Token);
                if (read == 0) return;
                request.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
            var length = Regex.Match(request.ToString(), "\r\nContent-Length: ([0-9]+)\r\n") is { Success: true } m ? int.Parse(m.Groups[1].Value) : 0;
            var head = request.ToString().IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4;
            for (int i = 0; i < 1000 && request.Length - head < length; i++)
            {
                var read = await stream.ReadAsync(buffer, stop.Token);
                if (read == 0) break;
                request.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
            requested.TrySetResult();
            if (reply is null)
            {
                await Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { });
                return;
            }
            try
            {
                await reply(stream, stop.Token);
            }
            catch (IOException)
            {
                // the client hung up on a reply it would not read further: the point of the test
            }
            served++;
        });
        var spam = (options ?? new SpamOptions()) with { Url = new Uri($"http://{host}:{port}/") };
        var client = new RspamdClient(spam, time);
        var check = client.CheckAsync(RspamdCollection.Message(RspamdCollection.Mail("Hi", RspamdCollection.CleanBody)), default);
        if (time is not null)
        {
            await requested.Task.WaitAsync(TimeSpan.FromSeconds(30));
            time.Advance(spam.Timeout);
        }
        var result = await check.WaitAsync(TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        await server.ContinueWith(_ => { });
        return (result, served, request.ToString());
    }

    private static Func<NetworkStream, CancellationToken, Task> Raw(string head, byte[] body) => async (stream, ct) =>
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), ct);
        await stream.WriteAsync(body, ct);
    };

    [Fact]
    public async Task A_reply_announced_bigger_than_the_limit_is_not_read()
    {
        var body = new byte[2 * 1024 * 1024];
        var (check, _, _) = await AgainstAsync(Raw($"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n", body));

        Assert.Equal("reply of 2097152 bytes is more than max reply bytes (262144)", Assert.IsType<SpamCheck.Failed>(check).Why);
    }

    [Fact]
    public async Task An_endless_chunked_reply_is_cut_at_the_limit()
    {
        var (check, _, _) = await AgainstAsync(async (stream, ct) =>
        {
            await stream.WriteAsync("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"u8.ToArray(), ct);
            var chunk = Encoding.ASCII.GetBytes($"4000\r\n{new string(' ', 0x4000)}\r\n");
            for (int i = 0; i < 10_000; i++) await stream.WriteAsync(chunk, ct); // 160 MiB if nobody stops reading
        }, new SpamOptions { MaxReplyBytes = 64 * 1024 });

        Assert.Equal("reply longer than max reply bytes (65536)", Assert.IsType<SpamCheck.Failed>(check).Why);
    }

    [Theory]
    [InlineData("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 2\r\n\r\n{}", "HTTP 500 from Rspamd")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nnot json!", "the reply is not JSON: ")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\n{\"score\":\"15\"}", "the reply has no numeric score")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\n{\"score\":1e999}", "the reply has no numeric score")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 26\r\n\r\n{\"error\":\"bad\\r\\nrequest\"}", "Rspamd error: bad??request")]
    public async Task A_reply_that_is_not_a_verdict_is_a_failure(string reply, string why)
    {
        var (check, _, _) = await AgainstAsync(Raw(reply, []));

        Assert.StartsWith(why, Assert.IsType<SpamCheck.Failed>(check).Why);
    }

    [Fact]
    public async Task A_server_that_never_answers_is_given_up_at_the_timeout_on_the_clock()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);

        var (check, _, _) = await AgainstAsync(null, new SpamOptions { Timeout = TimeSpan.FromSeconds(15) }, time);

        Assert.Equal("no reply within 15 s", Assert.IsType<SpamCheck.Failed>(check).Why);
    }

    [Fact]
    public async Task Nothing_listening_is_a_failure()
    {
        var client = new RspamdClient(new SpamOptions { Url = new Uri($"http://127.0.0.1:{FreePort.Next()}/") });

        var check = await client.CheckAsync(RspamdCollection.Message(RspamdCollection.Mail("Hi", "x")), default).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("connect: ConnectionRefused", Assert.IsType<SpamCheck.Failed>(check).Why);
    }

    private const string Verdict = "{\"score\":2.5,\"action\":\"no action\",\"symbols\":{\"MIME_GOOD\":{\"score\":-0.1}}}";

    [Fact]
    public async Task The_check_is_one_post_with_the_envelope_in_fields_and_the_message_as_its_body()
    {
        var (check, _, request) = await AgainstAsync(Raw($"HTTP/1.1 200 OK\r\nContent-Length: {Verdict.Length}\r\n\r\n", Encoding.ASCII.GetBytes(Verdict)));

        Assert.Equal(2.5, Assert.IsType<SpamCheck.Scored>(check).Report.Score);
        var mail = Encoding.ASCII.GetString(RspamdCollection.Mail("Hi", RspamdCollection.CleanBody));
        var (head, body) = (request[..request.IndexOf("\r\n\r\n", StringComparison.Ordinal)], request[(request.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]);
        var lines = head.Split("\r\n");
        Assert.Equal("POST /checkv2 HTTP/1.1", lines[0]);
        Assert.Matches("^Host: 127\\.0\\.0\\.1:[0-9]+$", lines[1]);
        Assert.Equal(["Connection: close", "Content-Type: message/rfc822", $"Content-Length: {mail.Length}", "IP: 192.0.2.10", "Helo: mx.foreign.test",
            "From: alice@foreign.test", "Rcpt: bob@example.test", "Queue-Id: Q1"], lines[2..]);
        Assert.Equal(mail, body);
    }

    [Fact]
    public async Task A_host_name_in_the_url_is_resolved()
    {
        var (check, _, request) = await AgainstAsync(Raw($"HTTP/1.1 200 OK\r\nContent-Length: {Verdict.Length}\r\n\r\n", Encoding.ASCII.GetBytes(Verdict)), host: "localhost");

        Assert.IsType<SpamCheck.Scored>(check);
        Assert.Contains("\r\nHost: localhost:", request);
    }

    [Fact]
    public async Task A_chunked_reply_arriving_a_byte_at_a_time_is_decoded()
    {
        var chunked = $"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\n{Verdict[..5]}\r\n{Verdict.Length - 5:x}\r\n{Verdict[5..]}\r\n0\r\nTrailer: x\r\n\r\n";
        var (check, _, _) = await AgainstAsync(async (stream, ct) =>
        {
            foreach (var b in Encoding.ASCII.GetBytes(chunked))
            {
                await stream.WriteAsync(new[] { b }, ct);
                await stream.FlushAsync(ct);
            }
        });

        var report = Assert.IsType<SpamCheck.Scored>(check).Report;
        Assert.Equal((2.5, "no action"), (report.Score, report.Action));
    }

    [Fact]
    public async Task A_reply_without_a_length_is_read_to_the_end_of_the_connection()
    {
        var (check, _, _) = await AgainstAsync(Raw("HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n", Encoding.ASCII.GetBytes(Verdict)));

        Assert.Equal(2.5, Assert.IsType<SpamCheck.Scored>(check).Report.Score);
    }

    [Fact]
    public async Task An_endless_header_section_is_cut_at_16_KiB()
    {
        var (check, _, _) = await AgainstAsync(async (stream, ct) =>
        {
            await stream.WriteAsync("HTTP/1.1 200 OK\r\n"u8.ToArray(), ct);
            var field = Encoding.ASCII.GetBytes($"X-Padding: {new string('x', 1000)}\r\n");
            for (int i = 0; i < 10_000; i++) await stream.WriteAsync(field, ct); // 10 MB if nobody stops reading
        });

        Assert.Equal("reply header section longer than 16 KiB", Assert.IsType<SpamCheck.Failed>(check).Why);
    }

    [Theory]
    [InlineData("HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\n{}", "malformed status line in the reply")]
    [InlineData("SMTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", "malformed status line in the reply")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 2x\r\n\r\n{}", "malformed Content-Length in the reply")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", "malformed Content-Length in the reply")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{}", "reply ended after 2 of 100 bytes")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n{}", "transfer coding gzip not read")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", "malformed chunked reply: bad chunk size")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n", "malformed chunked reply: no CRLF after a chunk")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n", "chunked reply ended before its last chunk")]
    [InlineData("HTTP/1.1 200 OK\r\n folded: field\r\nContent-Length: 2\r\n\r\n{}", "malformed header field in the reply")]
    [InlineData("", "connection closed without a reply")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n", "connection closed inside the reply's header section")]
    public async Task A_reply_that_breaks_http_is_a_failure(string reply, string why)
    {
        var (check, _, _) = await AgainstAsync(Raw(reply, []));

        Assert.Equal(why, Assert.IsType<SpamCheck.Failed>(check).Why);
    }

    [Fact]
    public void Thousands_of_symbols_with_hostile_names_are_capped_and_made_safe()
    {
        var symbols = string.Join(',', Enumerable.Range(0, 5000).Select(i => $"\"S{i}\\r\\nX: y\":{{\"score\":{i % 7}}}"));
        var (report, error) = SpamReport.Parse(Encoding.UTF8.GetBytes($"{{\"score\":7.25,\"action\":\"add header\",\"symbols\":{{{symbols}}}}}"));

        Assert.Null(error);
        Assert.Equal(SpamReport.MaxSymbols, report!.Symbols.Count);
        Assert.All(report.Symbols, s => Assert.Matches("^[A-Za-z0-9_-]+$", s.Name));
        Assert.Equal(6, report.Symbols[0].Score);
        Assert.Equal("7.3", SpamReport.Format(report.Score));
    }
}
