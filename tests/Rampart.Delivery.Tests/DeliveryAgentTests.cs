using Microsoft.Extensions.Logging.Abstractions;
using Rampart.Delivery.Scheduling;
using Rampart.Delivery.Tests.Scheduling;
using Rampart.Mail;
using Rampart.Queue;

namespace Rampart.Delivery.Tests;

/// <summary>The façade: its parts are tested in Scheduling/; here, that they are wired to each other and stop in order.</summary>
public sealed class DeliveryAgentTests : IAsyncLifetime
{
    private static readonly SmtpReply Later = new(451, "4.2.0", "Try later");
    private static readonly SmtpReply NoSuchUser = new(550, "5.1.1", "No such user");

    private readonly SpoolFixture spool = new();
    private DeliveryAgent agent = null!;

    private static readonly DeliveryAgentOptions Options = new()
    {
        Retry = new RetrySchedule(TimeSpan.FromMinutes(1), TimeSpan.FromHours(1)),
        DelayWarning = null,
    };

    public Task InitializeAsync()
    {
        agent = new DeliveryAgent(spool.Store, spool.Router, spool.Notifier, Options, NullLogger.Instance, spool.Clock);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await agent.StopAsync(TimeSpan.Zero);
        spool.Dispose();
    }

    [Fact]
    public async Task An_enqueued_message_is_delivered_and_leaves_the_queue()
    {
        var message = await spool.SubmitAsync("bob@example.test");
        agent.Enqueue(message);
        await Settle.UntilAsync(() => !spool.IsQueued(message), "delivered");
        await Settle.UntilAsync(() => agent.InFlight == 0, "the attempt over");
        Assert.Equal(1, agent.DestinationCount);
    }

    [Fact]
    public async Task A_deferred_message_is_tried_again_when_the_clock_reaches_its_next_attempt()
    {
        spool.Route.Answer = ScriptedRoute.Replying(Later);
        var message = await spool.SubmitAsync("bob@example.test");
        agent.Enqueue(message);
        await Settle.UntilAsync(() => spool.Store.ReadState(message.QueueId).Attempts == 1, "the first attempt recorded");
        await Settle.UntilAsync(() => agent.InFlight == 0, "the first attempt over");

        spool.Route.Answer = ScriptedRoute.Replying(ScriptedRoute.Ok);
        spool.Clock.Advance(TimeSpan.FromSeconds(50));
        Assert.True(spool.IsQueued(message));
        spool.Clock.Advance(TimeSpan.FromSeconds(16)); // one minute plus at most 10 % jitter
        await Settle.UntilAsync(() => !spool.IsQueued(message), "delivered on the retry");
    }

    [Fact]
    public async Task A_resumed_message_waits_for_the_next_attempt_recorded_before_the_restart()
    {
        var message = await spool.SubmitAsync("bob@example.test");
        var next = spool.Clock.GetUtcNow().AddMinutes(10);
        await spool.Store.RecordAttemptAsync(message.QueueId,
            [(0, new RecipientOutcome(RecipientStatus.TemporaryFailure, Later, spool.Clock.GetUtcNow()))], 1, next, false, default);
        agent.Resume(message);
        spool.Clock.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal(0, spool.Route.SessionsOpened);
        spool.Clock.Advance(TimeSpan.FromMinutes(1));
        await Settle.UntilAsync(() => !spool.IsQueued(message), "delivered at its time");
    }

    [Fact]
    public async Task A_notice_queued_by_an_attempt_is_delivered_by_the_same_agent()
    {
        // The sender's domain is routed too, so the notice itself goes out through the scripted route.
        var local = new ScriptedRoute("local");
        agent.UseRouter(new DomainRouter([new RoutingRule(["example.test"], spool.Route), new RoutingRule(["sender.test"], local)]));
        spool.Route.Answer = ScriptedRoute.Replying(NoSuchUser);
        var message = await spool.SubmitAsync("bob@example.test");
        agent.Enqueue(message);
        await Settle.UntilAsync(() => local.SessionsOpened == 1, "the notice delivered");
        await Settle.UntilAsync(() => Directory.GetFiles(Path.GetDirectoryName(message.Path)!).Length == 0, "the queue empty");
    }

    [Fact]
    public async Task A_stop_waits_for_a_transaction_under_way_for_the_grace_period_and_then_cuts_it()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        spool.Route.Answer = async (_, _, ct) =>
        {
            started.SetResult();
            await new TaskCompletionSource().Task.WaitAsync(ct); // the peer never answers; only the stop's abort ends this
            throw new InvalidOperationException("unreachable");
        };
        var message = await spool.SubmitAsync("bob@example.test");
        agent.Enqueue(message);
        await Settle.Soon(started.Task);
        Assert.Equal(1, agent.InFlight);

        var stop = agent.StopAsync(TimeSpan.FromSeconds(30)).AsTask();
        spool.Clock.Advance(TimeSpan.FromSeconds(29));
        Assert.False(stop.IsCompleted);
        spool.Clock.Advance(TimeSpan.FromSeconds(1));
        await Settle.Soon(stop);
        Assert.Equal(0, agent.InFlight);
        Assert.True(spool.IsQueued(message));
    }

    [Fact]
    public async Task A_stop_with_nothing_under_way_ends_at_once_and_later_messages_wait_for_the_next_start()
    {
        await Settle.Soon(agent.StopAsync(TimeSpan.FromSeconds(30)).AsTask());
        var message = await spool.SubmitAsync("bob@example.test");
        agent.Enqueue(message);
        Assert.Equal(0, agent.InFlight);
        Assert.Equal(0, spool.Route.SessionsOpened);
        Assert.True(spool.IsQueued(message));
    }
}
