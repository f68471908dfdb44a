using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Rampart.Gateway;
using Rampart.Mail;
using Rampart.Policy;
using Rampart.Queue.Quarantine;
using Rampart.Smtp.Session;
using Rampart.Testing;

namespace Rampart.Tests.Gateway;

/// <summary>Released messages are taken from pickup/ at start and then once a second, on the gateway's clock.</summary>
public sealed class PickupWatcherTests
{
    [Fact]
    public async Task A_message_released_while_running_is_taken_at_the_next_tick_not_before()
    {
        await using var composition = Composition.Minimal();
        var queue = composition.Core.Queue;
        await using var snapshot = composition.Composer.Compose(composition.Options);
        composition.Core.Delivery.UseRouter(snapshot.Router);
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        await using var watcher = new PickupWatcher(queue, composition.Core.Delivery, NullLogger.Instance, clock);
        watcher.Start();

        var held = await HoldAsync(composition, clock);
        Assert.True(await new QuarantineStore(queue.Root).ReleaseAsync(held, default));
        Assert.Single(Directory.GetFiles(queue.Pickup));

        clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Single(Directory.GetFiles(queue.Pickup));
        clock.Advance(TimeSpan.FromMilliseconds(1));

        // The tick has fired; its work runs on the thread pool, so its effect is awaited (bounded), not a wall-clock timer.
        await BoundedWait.UntilAsync(() => Directory.GetFiles(queue.Pickup).Length == 0, "pickup/ emptied", TimeSpan.FromSeconds(10));
    }

    /// <summary>A message committed quarantined, as the session handler leaves one.</summary>
    private static async Task<string> HoldAsync(Composition composition, TimeProvider clock)
    {
        await using var writer = composition.Core.Queue.CreateWriter(QueueId.New(clock));
        await writer.WriteAsync(Encoding.ASCII.GetBytes("Subject: held\r\n\r\nbody\r\n"), default);
        var transaction = new SmtpTransaction(new Sender("alice@sender.test"), clock.GetUtcNow());
        var judgement = new Judgement(new Verdict.Quarantine("held for a test"), null);
        await new MessageCommitter(composition.Core.Delivery, NullLogger.Instance, clock)
            .CommitAsync(Facts.Session(), transaction, writer, [new("bob@example.test")], judgement);
        return writer.QueueId;
    }
}
