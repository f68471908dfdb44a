using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Rampart.Delivery.Bounces;
using Rampart.Mail;
using Rampart.Queue;
using Rampart.Testing;

namespace Rampart.Delivery.Tests.Scheduling;

/// <summary>A real queue in a temporary folder, a fake clock, and a router that sends everything to one scripted route.</summary>
internal sealed class SpoolFixture : IDisposable
{
    public const string Sender = "alice@sender.test";

    private readonly TempDirectory temp = new("rampart-delivery");

    public SpoolFixture()
    {
        Store = new QueueStore(temp.Path, NullLogger.Instance);
        Notifier = new Notifier(Store, "mx.rampart.test", "postmaster@rampart.test", NullLogger.Instance, Clock);
    }

    /// <summary>The spool's folder, for a second store over the same files (a restart).</summary>
    public string Root => temp.Path;

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public QueueStore Store { get; }

    public Notifier Notifier { get; }

    public ScriptedRoute Route { get; } = new("next");

    /// <summary>Routes example.test to <see cref="Route"/>; nothing else has a route.</summary>
    public IRouter Router => new DomainRouter([new RoutingRule(["example.test"], Route)]);

    public Task<QueuedMessage> SubmitAsync(params string[] recipients) => SubmitAsync(Clock.GetUtcNow(), recipients);

    public Task<QueuedMessage> SubmitAsync(DateTimeOffset receivedAt, params string[] recipients) =>
        Store.SubmitAsync(id => new QueuedEnvelope
        {
            QueueId = id,
            Listener = "outbound",
            Role = ListenerRole.Outbound,
            ClientAddress = "127.0.0.1",
            Sender = new Sender(Sender),
            Recipients = recipients.Select(r => new Recipient(r)).ToList(),
            ReceivedAt = receivedAt,
        }, "Subject: test\r\n\r\nHello.\r\n"u8.ToArray(), Clock);

    public bool IsQueued(QueuedMessage message) => File.Exists(message.Path);

    public void Dispose()
    {
        Store.Dispose();
        temp.Dispose();
    }
}
