using System.Net.Sockets;
using System.Text;
using Rampart.Testing;

namespace Rampart.Tests.Metrics;

/// <summary>
/// The admin listener's 64 connections serve /health and /metrics too, without a token: a connection that sends
/// nothing, or only part of its headers, is closed after the idle timeout (10 s), not held for Kestrel's 130 s
/// keep-alive, so idle sockets cannot lock the probes out for long.
/// </summary>
public sealed class AdminIdleConnectionTests
{
    // Well past the 10 s timeout and Kestrel's 1 s heartbeat, well short of the 130 s default it replaces.
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("")]
    [InlineData("GET /health/ready HTTP/1.1\r\nHost: x\r\n")]
    public async Task A_connection_that_does_not_finish_its_request_is_closed(string sent)
    {
        await using var gateway = await TestGateway.StartAsync(topExtra: "admin: {listen: 127.0.0.1:0}");
        using var client = new TcpClient();
        await client.ConnectAsync(gateway.Gateway.Admin!.EndPoint);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(sent));

        // The server closes: reads end with 0 bytes (after a 408, for a request begun) or a reset.
        using var bound = new CancellationTokenSource(Bound);
        var buffer = new byte[4096];
        try
        {
            while (await stream.ReadAsync(buffer, bound.Token) > 0)
            {
            }
        }
        catch (IOException)
        {
        }
        Assert.False(bound.IsCancellationRequested);
    }
}
