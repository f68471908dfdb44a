using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Rampart.Delivery.Scheduling;
using Rampart.Mail;
using Rampart.Queue;

namespace Rampart.Delivery.Tests.Scheduling;

/// <summary>
/// The active queue's limit (<see cref="AttemptAdmission"/>): a flush of more messages than the limit runs that many
/// attempts at once and the rest wait their turn, each delivered once; new mail goes before the flushed backlog.
/// </summary>
public sealed class AttemptAdmissionTests : IAsyncLifetime
{
    private static readonly SmtpReply Later = new(451, "4.2.0", "Try later");

    private readonly SpoolFixture spool = new();
    private readonly ConcurrentDictionary<string, int> deliveries = new();
    private readonly ConcurrentQueue<string> order = new();
    private TaskCompletionSource gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private DeliveryAgent agent = null!;

    private DeliveryAgent Start(int limit) => agent = new DeliveryAgent(spool.Store, spool.Router, spool.Notifier, new DeliveryAgentOptions
    {
        Retry = new RetrySchedule(TimeSpan.FromMinutes(1), TimeSpan.FromHours(1)),
        DelayWarning = null,
        MaxActiveAttempts = limit,
    }, NullLogger.Instance, spool.Clock);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        gate.TrySetResult();
        if (agent is not null) await agent.StopAsync(TimeSpan.Zero);
        spool.Dispose();
    }

    /// <summary>Every message first deferred (the next hop down), then each delivery waits at the gate the test opens.</summary>
    private async Task<List<QueuedMessage>> DeferAsync(int count)
    {
        int tried = 0;
        spool.Route.Answer = (message, recipients, ct) =>
        {
            Interlocked.Increment(ref tried);
            return ScriptedRoute.Replying(Later)(message, recipients, ct);
        };
        var messages = new List<QueuedMessage>();
        for (int i = 0; i < count; i++) messages.Add(await spool.SubmitAsync($"user{i}@example.test"));
        foreach (var message in messages) agent.Enqueue(message);
        // Every one tried, not only "nothing in flight and <count> waiting": between one attempt's end and the next
        // one's start, the deferred and those still waiting for room add up to the same count.
        await Settle.UntilAsync(() => Volatile.Read(ref tried) == count && agent.InFlight == 0 && agent.Waiting == count, "every message deferred");
        spool.Route.Answer = async (message, recipients, ct) =>
        {
            order.Enqueue(message.QueueId);
            await gate.Task.WaitAsync(ct);
            deliveries.AddOrUpdate(message.QueueId, 1, (_, n) => n + 1);
            return await ScriptedRoute.Replying(ScriptedRoute.Ok)(message, recipients, ct);
        };
        return messages;
    }

    [Fact]
    public async Task A_flush_of_more_messages_than_the_limit_runs_the_limit_at_once_and_delivers_each_once()
    {
        Start(limit: 3);
        var messages = await DeferAsync(12);

        Assert.Equal(12, agent.Flush(null, "test").Count);
        await Settle.UntilAsync(() => agent.InFlight == 3, "three attempts under way");
        Assert.Equal(9, agent.Waiting);
        // The route's workers could take more (its limit is 10): the active queue's limit is what holds the rest back.
        Assert.True(spool.Route.Concurrent <= 3);

        gate.SetResult();
        await Settle.UntilAsync(() => messages.All(m => !spool.IsQueued(m)), "every message delivered");
        await Settle.UntilAsync(() => agent.InFlight == 0, "the attempts over");
        Assert.Equal(0, agent.Waiting);
        Assert.All(messages, m => Assert.Equal(1, deliveries[m.QueueId]));
    }

    [Fact]
    public async Task New_mail_waiting_for_room_goes_before_the_flushed_backlog()
    {
        Start(limit: 1);
        await DeferAsync(4);
        agent.Flush(null, "test");
        await Settle.UntilAsync(() => order.Count == 1, "the first flushed message under way");

        var fresh = await spool.SubmitAsync("new@example.test");
        agent.Enqueue(fresh);
        Assert.Equal(4, agent.Waiting);

        gate.SetResult();
        await Settle.UntilAsync(() => order.Count == 5 && agent.InFlight == 0, "all five delivered");
        Assert.Equal(fresh.QueueId, order.ElementAt(1));
    }

    [Fact]
    public async Task Deferred_mail_gets_every_fifth_room_while_new_mail_keeps_coming()
    {
        Start(limit: 1);
        var flushed = (await DeferAsync(3)).Select(m => m.QueueId).ToHashSet();
        agent.Flush(null, "test");
        await Settle.UntilAsync(() => order.Count == 1, "the first flushed message under way");

        for (int i = 0; i < 8; i++) agent.Enqueue(await spool.SubmitAsync($"new{i}@example.test"));

        gate.SetResult();
        await Settle.UntilAsync(() => order.Count == 11 && agent.InFlight == 0, "all eleven delivered");
        var kinds = string.Concat(order.Select(id => flushed.Contains(id) ? 'D' : 'n'));
        Assert.Equal("DnnnnDnnnnD", kinds);
    }

    [Fact]
    public async Task A_new_message_deleted_while_it_waits_for_room_is_not_delivered()
    {
        Start(limit: 1);
        await DeferAsync(1);
        agent.Flush(null, "test");
        await Settle.UntilAsync(() => order.Count == 1, "the flushed message under way");

        // Just committed, so it carries its content in memory; it waits for the one room.
        var fresh = await spool.SubmitAsync("new@example.test");
        agent.Enqueue(fresh);
        Assert.Equal(1, agent.Waiting);
        await agent.DeleteAsync(fresh.QueueId, "test");

        gate.SetResult();
        await Settle.UntilAsync(() => agent.InFlight == 0 && agent.Waiting == 0, "the queue idle");
        Assert.False(deliveries.ContainsKey(fresh.QueueId));
        Assert.DoesNotContain(fresh.QueueId, order);
        Assert.Equal(0, spool.Store.ContentCopies.Used);
    }
}
