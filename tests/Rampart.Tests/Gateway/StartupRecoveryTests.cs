using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Rampart.Mail;
using Rampart.Queue;
using Rampart.Testing;

namespace Rampart.Tests.Gateway;

/// <summary>
/// A gateway started on a queue listens at once and recovers the queue behind its listeners (Gateway.Recovery.cs):
/// sessions and envelopes are taken while the spool is read, a message's content waits only for that read, and every
/// message found is delivered once.
/// </summary>
public sealed class StartupRecoveryTests
{
    private const int Queued = 300;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Sessions_are_taken_while_the_queue_is_read_and_a_message_is_accepted_once_the_spool_is_read()
    {
        // The recovery is held at its first step, whatever the timing: the log line of the partial file it discards
        // from incoming/ waits until the test lets it go (a slow disk would hold it there the same way).
        using var stall = new StallingLogs(EventCatalogue.DiscardedPartial);
        await using var gw = await TestGateway.StartAsync(topExtra: "admin: {listen: 127.0.0.1:0}", logging: b => b.AddProvider(stall));
        await gw.StopAsync();
        var queue = Path.Combine(gw.DataDir, "queue");
        using (var store = new QueueStore(queue, NullLogger.Instance))
        {
            for (int i = 0; i < Queued; i++)
            {
                await store.SubmitAsync(Envelope, System.Text.Encoding.ASCII.GetBytes($"Subject: queued {i}\r\n\r\nHi.\r\n"), TimeProvider.System);
            }
        }
        File.WriteAllText(Path.Combine(queue, "incoming", QueueId.New(TimeProvider.System).Value), "RAMPART1 never acknowledged");

        try
        {
            await gw.StartAgainAsync(waitForRecovery: false);
            Assert.True(stall.Reached.Wait(Bound), "the recovery never reached incoming/");
            await using var client = await gw.ConnectAsync();
            await client.HelloAsync();
            await client.EnvelopeAsync("alice@foreign.test", "bob@example.test");
            Assert.False(gw.Gateway.Recovery.IsCompleted);
            // The queue an administrator would change is not known yet: changes wait for the read (503), listings do not.
            using (var api = new System.Net.Http.HttpClient { BaseAddress = new Uri($"http://{gw.Gateway.Admin!.EndPoint}/"), Timeout = Bound })
            {
                api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer",
                    File.ReadAllText(Path.Combine(gw.DataDir, "admin.token")).Trim());
                using var flush = await api.PostAsync("api/queue/flush", null);
                Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, flush.StatusCode);
                using var delete = await api.DeleteAsync($"api/queue/{QueueId.New(TimeProvider.System).Value}");
                Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, delete.StatusCode);
                // And a load balancer is told to send elsewhere meanwhile.
                using var ready = await api.GetAsync("health/ready");
                Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, ready.StatusCode);
                Assert.Contains("recovering", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
            await client.SendAsync("DATA\r\n");

            stall.Release();
            await client.ExpectAsync("354 ");
            await client.SendAsync("From: <alice@foreign.test>\r\nSubject: new\r\n\r\nSent during recovery.\r\n.\r\n");
            await client.ExpectAsync("250 2.0.0");
            await gw.Gateway.Recovery.WaitAsync(Bound);
        }
        finally
        {
            stall.Release();
        }

        var dropped = await gw.WaitForDropAsync(Queued + 1, timeout: Bound);
        await gw.WaitForEmptyQueueAsync(Bound);
        Assert.Equal(Queued + 1, gw.DropCount());
        var texts = dropped.Select(File.ReadAllText).ToList();
        Assert.Single(texts, t => t.Contains("Sent during recovery.", StringComparison.Ordinal));
        for (int i = 0; i < Queued; i++) Assert.Single(texts, t => t.Contains($"Subject: queued {i}\r\n", StringComparison.Ordinal));
        Assert.Empty(Directory.GetFiles(Path.Combine(queue, "incoming")));
    }

    private static QueuedEnvelope Envelope(string id) => new()
    {
        QueueId = id,
        Listener = "inbound",
        Role = ListenerRole.Inbound,
        ClientAddress = "127.0.0.1",
        Sender = new Sender("alice@foreign.test"),
        Recipients = [new Recipient("bob@example.test")],
        ReceivedAt = DateTimeOffset.UtcNow,
    };

    /// <summary>A log provider whose loggers, on the event named, signal <see cref="Reached"/> and wait (bounded) for <see cref="Release"/>.</summary>
    private sealed class StallingLogs(int eventId) : ILoggerProvider, ILogger
    {
        private readonly ManualResetEventSlim released = new();

        public ManualResetEventSlim Reached { get; } = new();

        public void Release() => released.Set();

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId id, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (id.Id != eventId || released.IsSet) return;
            Reached.Set();
            released.Wait(Bound);
        }

        public void Dispose()
        {
            released.Set();
        }
    }
}
