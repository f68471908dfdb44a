using System.Net;
using System.Net.Sockets;
using System.Text;
using Rampart.Delivery.Smtp;
using Rampart.Testing;

namespace Rampart.Delivery.Tests.Smtp;

/// <summary>Peers that fail before any transaction: every case is a 4xx with TryNextHost, and none hangs the caller.</summary>
public class ConnectFailureTests
{
    [Fact]
    public async Task Connection_refused_is_4_4_1_and_tries_the_next_host()
    {
        var closed = new IPEndPoint(IPAddress.Loopback, FreePort.Next());
        var ex = await Assert.ThrowsAsync<SmtpClientException>(() =>
            SmtpClientConnection.ConnectAsync(closed, "closed.test", Messages.Options(), CancellationToken.None));
        Assert.Equal(451, ex.Reply.Code);
        Assert.Equal("4.4.1", ex.Reply.Status.ToString());
        Assert.True(ex.TryNextHost);
    }

    [Fact]
    public async Task A_peer_that_never_greets_is_left_after_the_greeting_timeout()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var accepted = listener.AcceptTcpClientAsync();
        // The greeting timeout runs on the client's clock: the test advances it once the wait for the 220 has begun.
        var clock = new WatchedClock();
        var options = Messages.Options() with { GreetingTimeout = TimeSpan.FromMinutes(5), Clock = clock };

        var connecting = SmtpClientConnection.ConnectAsync((IPEndPoint)listener.LocalEndpoint, "silent.test", options, CancellationToken.None);
        await clock.TimerStartedAsync(options.GreetingTimeout);
        Assert.False(connecting.IsCompleted);
        clock.Advance(options.GreetingTimeout);
        var ex = await Assert.ThrowsAsync<SmtpClientException>(() => connecting.WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.Equal("4.4.1", ex.Reply.Status.ToString());
        Assert.Contains("Timeout", ex.Reply.Text);
        Assert.True(ex.TryNextHost);
        (await accepted).Dispose();
    }

    [Theory]
    [InlineData("HELLO THERE\r\n", "4.5.0")]
    [InlineData("554 5.7.1 go away\r\n", "5.7.1")]
    public async Task A_bad_or_refusing_greeting_fails_with_that_reply(string greeting, string status)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        // The peer keeps its end open until the client has judged the greeting, instead of for a fixed time.
        var judged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var peer = Task.Run(async () =>
        {
            using var socket = await listener.AcceptTcpClientAsync();
            await socket.GetStream().WriteAsync(Encoding.ASCII.GetBytes(greeting));
            await judged.Task.WaitAsync(TimeSpan.FromSeconds(10));
        });

        var ex = await Assert.ThrowsAsync<SmtpClientException>(() =>
            SmtpClientConnection.ConnectAsync((IPEndPoint)listener.LocalEndpoint, "odd.test", Messages.Options(), CancellationToken.None));
        judged.SetResult();

        Assert.Equal(status, ex.Reply.Status.ToString());
        Assert.True(ex.TryNextHost);
        await peer;
    }

    [Fact]
    public async Task An_endless_multiline_reply_is_a_protocol_error()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var peer = Task.Run(async () =>
        {
            using var socket = await listener.AcceptTcpClientAsync();
            var stream = socket.GetStream();
            await stream.WriteAsync("220 flood.test ESMTP\r\n"u8.ToArray());
            var line = Encoding.ASCII.GetBytes("250-" + new string('x', 70) + "\r\n");
            try
            {
                for (int i = 0; i < 5000; i++) await stream.WriteAsync(line);
            }
            catch (IOException)
            {
                // The client hung up, as it should.
            }
        });

        var ex = await Assert.ThrowsAsync<SmtpClientException>(() =>
            SmtpClientConnection.ConnectAsync((IPEndPoint)listener.LocalEndpoint, "flood.test", Messages.Options(), CancellationToken.None));

        Assert.Equal("4.5.0", ex.Reply.Status.ToString());
        Assert.Contains("over-long", ex.Reply.Text);
        await peer;
    }
}
