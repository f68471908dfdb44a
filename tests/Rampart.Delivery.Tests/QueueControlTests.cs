using Microsoft.Extensions.Logging.Abstractions;
using Rampart.Delivery.Scheduling;
using Rampart.Delivery.Tests.Scheduling;
using Rampart.Mail;
using Rampart.Queue;

namespace Rampart.Delivery.Tests;

/// <summary>
/// The administrator's operations on the delivery agent (DeliveryAgent.Control.cs): hold, release, flush, retry,
/// delete, and what each does to a message whose attempt is under way. Real spool files, a fake clock, a scripted route.
/// </summary>
public sealed class QueueControlTests : IAsyncLifetime
{
    private static readonly SmtpReply Later = new(451, "4.2.0", "Try later");
    private const string Admin = "test admin";

    private readonly SpoolFixture spool = new();
    private DeliveryAgent agent = null!;

    // A long retry: whatever is delivered within a test was flushed, retried or released, not retried by the clock.
    private static readonly DeliveryAgentOptions Options = new()
    {
        Retry = new RetrySchedule(TimeSpan.FromHours(1), TimeSpan.FromHours(4)),
        DelayWarning = null,
    };

    public Task InitializeAsync()
    {
        agent = NewAgent(spool.Store);
        return Task.CompletedTask;
    }

    private DeliveryAgent NewAgent(QueueStore store) => new(store, spool.Router, spool.Notifier, Options, NullLogger.Instance, spool.Clock);

    public async Task DisposeAsync()
    {
        await agent.StopAsync(TimeSpan.Zero);
        spool.Dispose();
    }

    private async Task<QueuedMessage> DeferredAsync(params string[] recipients)
    {
        spool.Route.Answer = ScriptedRoute.Replying(Later);
        var message = await spool.SubmitAsync(recipients.Length == 0 ? ["bob@example.test"] : recipients);
        agent.Enqueue(message);
        await Settle.UntilAsync(() => spool.Store.ReadState(message.QueueId).Attempts == 1, "the first attempt recorded");
        await Settle.UntilAsync(() => agent.DueAt(message.QueueId) is not null, "the message back in the schedule");
        return message;
    }

    [Fact]
    public async Task A_held_message_is_not_attempted_when_its_time_comes_and_goes_back_into_the_schedule_on_release()
    {
        var message = await DeferredAsync();
        int sessions = spool.Route.SessionsOpened;
        Assert.Equal(QueueChange.Done, await agent.HoldAsync(message.QueueId, Admin));
        Assert.True(File.Exists(message.Path + HoldMark.Suffix));
        Assert.Null(agent.DueAt(message.QueueId));

        spool.Route.Answer = ScriptedRoute.Replying(ScriptedRoute.Ok);
        spool.Clock.Advance(TimeSpan.FromHours(5));
        Assert.Equal(sessions, spool.Route.SessionsOpened);
        Assert.Equal(QueueChange.Held, agent.Retry(message.QueueId, Admin));
        Assert.Empty(agent.Flush(null, Admin));
        Assert.True(spool.IsQueued(message));

        Assert.Equal(QueueChange.Done, agent.Release(message.QueueId, Admin));
        Assert.False(File.Exists(message.Path + HoldMark.Suffix));
        // Its recorded time has long passed: it is attempted at once.
        await Settle.UntilAsync(() => !spool.IsQueued(message), "delivered after the release");
        Assert.Equal(QueueChange.NotFound, agent.Release(message.QueueId, Admin));
    }

    [Fact]
    public async Task A_hold_survives_a_restart_and_the_released_message_resumes_its_schedule()
    {
        var message = await DeferredAsync();
        await agent.HoldAsync(message.QueueId, Admin);
        await agent.StopAsync(TimeSpan.Zero);

        using var restarted = new QueueStore(spool.Root, NullLogger.Instance);
        var recovered = Assert.Single(restarted.Recover());
        Assert.True(restarted.IsHeld(message.QueueId));
        Assert.Equal(Admin, restarted.ReadHold(message.QueueId)!.By);
        await using var second = NewAgent(restarted);
        second.Resume(recovered);
        spool.Route.Answer = ScriptedRoute.Replying(ScriptedRoute.Ok);
        int sessions = spool.Route.SessionsOpened;
        spool.Clock.Advance(TimeSpan.FromHours(5));
        Assert.Equal(sessions, spool.Route.SessionsOpened);
        Assert.Equal(QueueChange.Held, second.Retry(message.QueueId, Admin));

        Assert.Equal(QueueChange.Done, second.Release(message.QueueId, Admin));
        await Settle.UntilAsync(() => !spool.IsQueued(message), "delivered after the release");
    }

    [Fact]
    public async Task A_flush_attempts_every_waiting_message_now_long_before_its_retry_time()
    {
        var first = await DeferredAsync();
        var second = await DeferredAsync();
        spool.Route.Answer = ScriptedRoute.Replying(ScriptedRoute.Ok);
        var flushed = agent.Flush(null, Admin);
        Assert.Equal([first.QueueId, second.QueueId], flushed.Order(StringComparer.Ordinal));
        await Settle.UntilAsync(() => !spool.IsQueued(first) && !spool.IsQueued(second), "both delivered by the flush");
    }

    [Fact]
    public async Task A_flush_for_one_domain_leaves_the_others_waiting()
    {
        agent.UseRouter(new DomainRouter([new RoutingRule(["example.test", "other.test"], spool.Route)]));
        var mine = await DeferredAsync("bob@Example.TEST");
        var other = await DeferredAsync("carol@other.test");
        spool.Route.Answer = ScriptedRoute.Replying(ScriptedRoute.Ok);
        Assert.Equal([mine.QueueId], agent.Flush("example.test", Admin));
        await Settle.UntilAsync(() => !spool.IsQueued(mine), "the example.test message delivered");
        Assert.True(spool.IsQueued(other));
        Assert.NotNull(agent.DueAt(other.QueueId));
    }

    [Fact]
    public async Task A_flush_tries_again_a_destination_set_aside_as_unreachable()
    {
        spool.Route.Answer = (_, _, _) => throw new DestinationUnavailableException(new SmtpReply(421, "4.4.1", "Connection refused"));
        var message = await spool.SubmitAsync("bob@example.test");
        agent.Enqueue(message);
        await Settle.UntilAsync(() => agent.DueAt(message.QueueId) is not null, "deferred, the destination set aside");

        // The next hop is back: without the revival the flush would be deferred on the spot with the old reply.
        spool.Route.Answer = ScriptedRoute.Replying(ScriptedRoute.Ok);
        Assert.Single(agent.Flush(null, Admin));
        await Settle.UntilAsync(() => !spool.IsQueued(message), "delivered by the flush");
    }

    [Fact]
    public async Task A_retry_attempts_one_message_now_and_is_refused_while_an_attempt_is_under_way()
    {
        var message = await DeferredAsync();
        var other = await DeferredAsync();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int attemptsOfMessage = 0;
        spool.Route.Answer = async (m, recipients, ct) =>
        {
            if (m.QueueId == message.QueueId) Interlocked.Increment(ref attemptsOfMessage);
            await gate.Task.WaitAsync(ct);
            return await ScriptedRoute.Replying(ScriptedRoute.Ok)(m, recipients, ct);
        };
        Assert.Equal(QueueChange.Done, agent.Retry(message.QueueId, Admin));
        await Settle.UntilAsync(() => agent.IsInFlight(message.QueueId), "the retry under way");
        // Neither a second retry nor a flush starts a second attempt of the same message.
        Assert.Equal(QueueChange.InFlight, agent.Retry(message.QueueId, Admin));
        Assert.Equal([other.QueueId], agent.Flush(null, Admin));
        gate.SetResult();
        // The files go before the attempt's bookkeeping ends: until then a retry is still "in flight".
        await Settle.UntilAsync(() => !spool.IsQueued(message) && !spool.IsQueued(other) && !agent.IsInFlight(message.QueueId), "both delivered");
        Assert.Equal(1, attemptsOfMessage);
        Assert.Equal(QueueChange.NotFound, agent.Retry(message.QueueId, Admin));
    }

    [Fact]
    public async Task A_deleted_waiting_message_is_gone_with_its_files_and_nobody_is_told()
    {
        var message = await DeferredAsync();
        int sessions = spool.Route.SessionsOpened;
        Assert.Equal(QueueChange.Done, await agent.DeleteAsync(message.QueueId, Admin));
        Assert.Empty(Directory.GetFiles(spool.Store.Active));
        Assert.Null(agent.DueAt(message.QueueId));
        spool.Clock.Advance(TimeSpan.FromHours(5));
        Assert.Equal(sessions, spool.Route.SessionsOpened);
        Assert.Equal(QueueChange.NotFound, await agent.DeleteAsync(message.QueueId, Admin));
    }

    [Fact]
    public async Task A_delete_during_an_attempt_holds_the_message_at_once_and_removes_it_when_the_attempt_ends()
    {
        var message = await DeferredAsync();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        spool.Route.Answer = async (m, recipients, ct) =>
        {
            started.TrySetResult();
            await gate.Task.WaitAsync(ct);
            return await ScriptedRoute.Replying(Later)(m, recipients, ct);
        };
        agent.Retry(message.QueueId, Admin);
        await Settle.Soon(started.Task);

        Assert.Equal(QueueChange.Pending, await agent.DeleteAsync(message.QueueId, Admin));
        // Durably held meanwhile: a restart now would find the message held, not half-deleted and not retried.
        Assert.True(File.Exists(message.Path + HoldMark.Suffix));
        using (var afterCrash = new QueueStore(spool.Root, NullLogger.Instance))
        {
            Assert.Single(afterCrash.Recover());
            Assert.True(afterCrash.IsHeld(message.QueueId));
        }
        Assert.Equal(QueueChange.Pending, agent.Release(message.QueueId, Admin));
        Assert.Equal(QueueChange.Pending, await agent.DeleteAsync(message.QueueId, Admin));

        gate.SetResult();
        await Settle.UntilAsync(() => agent.InFlight == 0, "the attempt over");
        Assert.Empty(Directory.GetFiles(spool.Store.Active));
        Assert.Null(agent.DueAt(message.QueueId));
        Assert.False(spool.Store.IsHeld(message.QueueId));
    }

    [Fact]
    public async Task A_hold_during_an_attempt_lets_it_finish_and_keeps_the_message_out_of_the_schedule()
    {
        var message = await DeferredAsync();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        spool.Route.Answer = async (m, recipients, ct) =>
        {
            started.TrySetResult();
            await gate.Task.WaitAsync(ct);
            return await ScriptedRoute.Replying(Later)(m, recipients, ct);
        };
        agent.Retry(message.QueueId, Admin);
        await Settle.Soon(started.Task);
        Assert.Equal(QueueChange.Done, await agent.HoldAsync(message.QueueId, Admin));
        gate.SetResult();
        await Settle.UntilAsync(() => spool.Store.ReadState(message.QueueId).Attempts == 2, "the attempt recorded");
        await Settle.UntilAsync(() => agent.InFlight == 0, "the attempt over");
        Assert.Null(agent.DueAt(message.QueueId));
        Assert.True(spool.Store.IsHeld(message.QueueId));
    }

    [Fact]
    public async Task A_hold_racing_a_release_leaves_the_message_held_or_in_its_schedule_never_neither()
    {
        // Each round: one hold, and releases tried over and over until one lands, on two threads. Whichever order they
        // take effect in, the message ends held (the release came first) or waiting (the hold first, then undone).
        for (int round = 0; round < 40; round++)
        {
            var message = await DeferredAsync();
            var id = message.QueueId;
            using var go = new Barrier(2);
            var hold = Task.Run(async () =>
            {
                go.SignalAndWait();
                return await agent.HoldAsync(id, Admin);
            });
            var release = Task.Run(() =>
            {
                go.SignalAndWait();
                // Bounded: the hold is done within this many tries on any machine; what matters is a release landing mid-hold.
                for (int i = 0; i < 1_000_000 && !hold.IsCompleted; i++)
                {
                    if (agent.Release(id, Admin) == QueueChange.Done) return true;
                }
                return false;
            });
            Assert.Equal(QueueChange.Done, await hold.WaitAsync(TimeSpan.FromSeconds(30)));
            await release.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(spool.Store.IsHeld(id) || agent.DueAt(id) is not null,
                $"round {round}: {id} neither held nor waiting (held marker {File.Exists(message.Path + HoldMark.Suffix)})");
            Assert.Equal(spool.Store.IsHeld(id), File.Exists(message.Path + HoldMark.Suffix));
            await agent.DeleteAsync(id, Admin);
        }
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("..")]
    [InlineData("01HZZZZZZZZZZZZZZZZZZZZZZ/")]
    [InlineData("01hzzzzzzzzzzzzzzzzzzzzzzz")]
    [InlineData("")]
    [InlineData("01HZZZZZZZZZZZZZZZZZZZZZZZ.rcpt")]
    public async Task Ids_that_are_not_queue_ids_touch_no_file(string id)
    {
        var message = await DeferredAsync();
        Assert.Equal(QueueChange.NotFound, await agent.DeleteAsync(id, Admin));
        Assert.Equal(QueueChange.NotFound, await agent.HoldAsync(id, Admin));
        Assert.Equal(QueueChange.NotFound, agent.Release(id, Admin));
        Assert.Equal(QueueChange.NotFound, agent.Retry(id, Admin));
        Assert.Null(QueueInspector.Find(spool.Root, id));
        Assert.True(spool.IsQueued(message));
    }
}
