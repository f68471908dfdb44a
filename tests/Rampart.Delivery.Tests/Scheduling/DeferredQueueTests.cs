using Microsoft.Extensions.Time.Testing;
using Rampart.Delivery.Scheduling;
using Rampart.Mail;
using Rampart.Queue;

namespace Rampart.Delivery.Tests.Scheduling;

public class DeferredQueueTests
{
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly List<string> released = [];

    private DeferredQueue NewQueue() => new(m =>
    {
        lock (released) released.Add(m.QueueId);
    }, clock);

    internal static QueuedMessage Message(string id) => new(new QueuedEnvelope
    {
        QueueId = id,
        Listener = "test",
        Role = ListenerRole.Outbound,
        ClientAddress = "127.0.0.1",
        Sender = new Sender("alice@sender.test"),
        Recipients = [new Recipient("bob@example.test")],
        ReceivedAt = DateTimeOffset.UnixEpoch,
    }, "/nonexistent/" + id, 0, 0);

    [Fact]
    public void A_message_already_due_is_handed_over_at_once()
    {
        using var queue = NewQueue();
        queue.Add(Message("A"), clock.GetUtcNow());
        queue.Add(Message("B"), clock.GetUtcNow().AddMinutes(-5));
        Assert.Equal(["A", "B"], released);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void A_message_waits_for_its_time_on_the_clock()
    {
        using var queue = NewQueue();
        queue.Add(Message("A"), clock.GetUtcNow().AddMinutes(5));
        clock.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromMilliseconds(1));
        Assert.Empty(released);
        Assert.Equal(1, queue.Count);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(["A"], released);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void Messages_come_out_in_the_order_of_their_times_whatever_the_order_they_went_in()
    {
        using var queue = NewQueue();
        var now = clock.GetUtcNow();
        queue.Add(Message("late"), now.AddMinutes(30));
        queue.Add(Message("early"), now.AddMinutes(1));
        queue.Add(Message("middle"), now.AddMinutes(10));
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(["early"], released);
        clock.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal(["early", "middle"], released);
        clock.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(["early", "middle", "late"], released);
    }

    [Fact]
    public void Messages_due_together_come_out_together()
    {
        using var queue = NewQueue();
        var at = clock.GetUtcNow().AddHours(1);
        for (int i = 0; i < 100; i++) queue.Add(Message($"M{i}"), at);
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(100, released.Count);
    }

    [Fact]
    public void A_wait_longer_than_a_timer_takes_still_ends_on_time()
    {
        using var queue = NewQueue();
        queue.Add(Message("A"), clock.GetUtcNow().AddDays(60));
        for (int day = 1; day < 60; day++) clock.Advance(TimeSpan.FromDays(1));
        Assert.Empty(released);
        clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(["A"], released);
    }

    [Fact]
    public void After_a_stop_nothing_more_is_handed_over()
    {
        using var queue = NewQueue();
        queue.Add(Message("A"), clock.GetUtcNow().AddMinutes(1));
        queue.Stop();
        queue.Add(Message("B"), clock.GetUtcNow());
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Empty(released);
        Assert.Equal(0, queue.Count);
    }
}
