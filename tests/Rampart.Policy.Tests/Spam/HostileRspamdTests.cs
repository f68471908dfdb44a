using System.Net;
using System.Net.Sockets;
using System.Text;
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
    /// <summary>Accepts one connection, reads the request head, then answers <paramref name="reply"/> (null: never answers).</summary>
    private static async Task<(SpamCheck Check, int Served)> AgainstAsync(Func<NetworkStream, CancellationToken, Task>? reply, SpamOptions? options = null,
        FakeTimeProvider? time = null)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var requested = new TaskCompletionSource();
        var served = 0;
        var server = Task.Run(async () =>
        {
            using var socket = await listener.AcceptTcpClientAsync(stop.Token);
            var stream = socket.GetStream();
            var head = new StringBuilder();
            var buffer = new byte[4096];
            while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var read = await stream.ReadAsync(buffer, stop.Token);
                if (read == 0) return;
                head.Append(Encoding.ASCII.GetString(buffer, 0, read));
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
        var spam = (options ?? new SpamOptions()) with { Url = new Uri($"http://127.0.0.1:{port}/") };
        using var client = new RspamdClient(spam, time);
        var check = client.CheckAsync(RspamdCollection.Message(RspamdCollection.Mail("Hi", RspamdCollection.CleanBody)), default);
        if (time is not null)
        {
            await requested.Task.WaitAsync(TimeSpan.FromSeconds(30));
            time.Advance(spam.Timeout);
        }
        var result = await check.WaitAsync(TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        await server.ContinueWith(_ => { });
        return (result, served);
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
        var (check, _) = await AgainstAsync(Raw($"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n", body));

        Assert.Equal("reply of 2097152 bytes is more than max reply bytes (262144)", Assert.IsType<SpamCheck.Failed>(check).Why);
    }

    [Fact]
    public async Task An_endless_chunked_reply_is_cut_at_the_limit()
    {
        var (check, _) = await AgainstAsync(async (stream, ct) =>
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
        var (check, _) = await AgainstAsync(Raw(reply, []));

        Assert.StartsWith(why, Assert.IsType<SpamCheck.Failed>(check).Why);
    }

    [Fact]
    public async Task A_server_that_never_answers_is_given_up_at_the_timeout_on_the_clock()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);

        var (check, _) = await AgainstAsync(null, new SpamOptions { Timeout = TimeSpan.FromSeconds(15) }, time);

        Assert.Equal("no reply within 15 s", Assert.IsType<SpamCheck.Failed>(check).Why);
    }

    [Fact]
    public async Task Nothing_listening_is_a_failure()
    {
        using var client = new RspamdClient(new SpamOptions { Url = new Uri($"http://127.0.0.1:{FreePort.Next()}/") });

        var check = await client.CheckAsync(RspamdCollection.Message(RspamdCollection.Mail("Hi", "x")), default).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("connect: ConnectionRefused", Assert.IsType<SpamCheck.Failed>(check).Why);
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
