using Microsoft.Extensions.Time.Testing;
using Rampart.Delivery.Scheduling;
using Rampart.Mail;

namespace Rampart.Delivery.Tests.Scheduling;

public class DestinationTests
{
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static DeliveryJob Job(string id) => new(DeferredQueueTests.Message(id), [0]);

    [Fact]
    public async Task Take_waits_for_the_linger_on_the_clock_and_then_gives_nothing()
    {
        var destination = new Destination("next", new ScriptedRoute(), 2);
        var take = destination.TakeAsync(TimeSpan.FromSeconds(2), clock, CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(take.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await Settle.Soon(take));
    }

    [Fact]
    public async Task Take_gives_a_job_that_arrives_while_lingering()
    {
        var destination = new Destination("next", new ScriptedRoute(), 2);
        var take = destination.TakeAsync(TimeSpan.FromSeconds(2), clock, CancellationToken.None);
        var job = Job("Q1");
        destination.Add(job);
        Assert.Same(job, await Settle.Soon(take));
    }

    [Fact]
    public void Workers_are_limited_to_the_initial_connections_until_the_destination_answered()
    {
        var destination = new Destination("next", new ScriptedRoute(maxConnections: 5), 2);
        for (int i = 0; i < 10; i++) destination.Add(Job($"Q{i}"));
        Assert.True(destination.TryAddWorker());
        Assert.True(destination.TryAddWorker());
        Assert.False(destination.TryAddWorker());
        destination.MarkAnswered();
        Assert.True(destination.TryAddWorker());
        Assert.True(destination.TryAddWorker());
        Assert.True(destination.TryAddWorker());
        Assert.False(destination.TryAddWorker());
    }

    [Fact]
    public void A_destination_set_aside_gives_its_reason_until_its_time_is_up_and_is_not_idle_meanwhile()
    {
        var destination = new Destination("next", new ScriptedRoute(), 2);
        var reason = new SmtpReply(451, "4.4.1", "No answer");
        var until = clock.GetUtcNow().AddMinutes(5);
        destination.MarkDown(until, reason);
        Assert.Equal(reason, destination.DownReason(clock.GetUtcNow()));
        Assert.False(destination.IsIdle(clock.GetUtcNow()));
        Assert.Null(destination.DownReason(until));
        Assert.True(destination.IsIdle(until));
    }

    [Fact]
    public void Drain_hands_back_what_is_waiting()
    {
        var destination = new Destination("next", new ScriptedRoute(), 2);
        destination.Add(Job("Q1"));
        destination.Add(Job("Q2"));
        Assert.Equal(["Q1", "Q2"], destination.Drain().Select(j => j.Message.QueueId));
    }
}
