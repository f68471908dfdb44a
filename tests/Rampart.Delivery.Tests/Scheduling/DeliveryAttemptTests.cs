using Microsoft.Extensions.Logging.Abstractions;
using Rampart.Delivery.Scheduling;
using Rampart.Mail;
using Rampart.Queue;

namespace Rampart.Delivery.Tests.Scheduling;

public sealed class DeliveryAttemptTests : IDisposable
{
    private static readonly SmtpReply Later = new(451, "4.2.0", "Try later");
    private static readonly SmtpReply NoSuchUser = new(550, "5.1.1", "No such user");

    private readonly SpoolFixture spool = new();
    private readonly CancellationTokenSource stopping = new();
    private readonly List<QueuedMessage> notices = [];
    private readonly DeliveryAgentOptions options = new()
    {
        Retry = new RetrySchedule(TimeSpan.FromMinutes(1), TimeSpan.FromHours(1)),
        MaxQueueTime = TimeSpan.FromDays(5),
        DelayWarning = null,
    };

    public void Dispose() => spool.Dispose();

    private DeliveryAttempt NewAttempt(DeliveryAgentOptions? with = null)
    {
        var o = with ?? options;
        var pool = new DestinationPool(o, NullLogger.Instance, spool.Clock, stopping.Token, CancellationToken.None);
        return new DeliveryAttempt(spool.Store, spool.Router, spool.Notifier, pool, n =>
        {
            lock (notices) notices.Add(n);
        }, o, NullLogger.Instance, spool.Clock, stopping.Token);
    }

    [Fact]
    public async Task A_message_delivered_to_everyone_leaves_the_queue()
    {
        var message = await spool.SubmitAsync("bob@example.test", "carol@example.test");
        Assert.Null(await Settle.Soon(NewAttempt().RunAsync(message)));
        Assert.False(spool.IsQueued(message));
        Assert.Empty(notices);
    }

    [Fact]
    public async Task A_deferred_recipient_is_recorded_with_the_time_of_the_next_attempt()
    {
        spool.Route.Answer = ScriptedRoute.Replying(Later);
        var message = await spool.SubmitAsync("bob@example.test");
        var next = await Settle.Soon(NewAttempt().RunAsync(message));

        var now = spool.Clock.GetUtcNow();
        Assert.InRange(next!.Value, now + TimeSpan.FromMinutes(1), now + TimeSpan.FromMinutes(1.1));
        var state = spool.Store.ReadState(message.QueueId);
        // The .rcpt log keeps milliseconds.
        Assert.Equal((1, next.Value.ToUnixTimeMilliseconds()), (state.Attempts, state.NextAttemptAt!.Value.ToUnixTimeMilliseconds()));
        Assert.Equal((RecipientStatus.TemporaryFailure, "451 4.2.0 Try later"), (state.Outcomes[0].Status, state.Outcomes[0].Reply.ToString()));
    }

    [Fact]
    public async Task Recipients_final_in_an_earlier_attempt_are_not_delivered_again()
    {
        var delivered = new List<int>();
        spool.Route.Answer = (m, recipients, ct) =>
        {
            delivered.AddRange(recipients);
            return ScriptedRoute.Replying(recipients.Contains(0) ? ScriptedRoute.Ok : Later)(m, recipients, ct);
        };
        var message = await spool.SubmitAsync("bob@example.test");
        var attempt = NewAttempt();
        Assert.Null(await Settle.Soon(attempt.RunAsync(message)));

        var two = await spool.SubmitAsync("bob@example.test", "carol@example.test");
        spool.Route.Answer = (m, recipients, ct) =>
        {
            delivered.AddRange(recipients);
            return ScriptedRoute.Replying(recipients.Count == 2 ? Later : ScriptedRoute.Ok)(m, recipients, ct);
        };
        await spool.Store.RecordAttemptAsync(two.QueueId,
            [(0, new RecipientOutcome(RecipientStatus.Delivered, ScriptedRoute.Ok, spool.Clock.GetUtcNow()))], 1, spool.Clock.GetUtcNow(), false, default);
        delivered.Clear();
        Assert.Null(await Settle.Soon(attempt.RunAsync(two)));
        Assert.Equal([1], delivered);
    }

    [Fact]
    public async Task A_recipient_without_a_route_is_deferred_with_451_4_3_5()
    {
        var message = await spool.SubmitAsync("bob@elsewhere.test");
        Assert.NotNull(await Settle.Soon(NewAttempt().RunAsync(message)));
        Assert.Equal("451 4.3.5 No route for this recipient", spool.Store.ReadState(message.QueueId).Outcomes[0].Reply.ToString());
        Assert.Equal(0, spool.Route.SessionsOpened);
    }

    [Fact]
    public async Task A_permanent_failure_queues_a_notice_to_the_sender_and_hands_it_over()
    {
        spool.Route.Answer = ScriptedRoute.Replying(NoSuchUser);
        var message = await spool.SubmitAsync("bob@example.test");
        Assert.Null(await Settle.Soon(NewAttempt().RunAsync(message)));

        var notice = Assert.Single(notices);
        Assert.True(notice.Envelope.IsNotice);
        Assert.Equal(SpoolFixture.Sender, Assert.Single(notice.Envelope.Recipients).Address);
        Assert.True(spool.IsQueued(notice));
        Assert.False(spool.IsQueued(message));
    }

    [Fact]
    public async Task Past_the_maximum_queue_time_a_deferral_becomes_a_5_4_7_bounce_with_the_last_error()
    {
        spool.Route.Answer = ScriptedRoute.Replying(Later);
        var message = await spool.SubmitAsync(spool.Clock.GetUtcNow() - TimeSpan.FromDays(5), "bob@example.test");
        Assert.Null(await Settle.Soon(NewAttempt().RunAsync(message)));

        var notice = Assert.Single(notices);
        using var content = new StreamReader(notice.OpenContent());
        var text = await content.ReadToEndAsync();
        var unfolded = System.Text.RegularExpressions.Regex.Replace(text, "\r\n[ \t]+", " ");
        Assert.Contains("554 5.4.7 Delivery time expired after 5 days; last error: 451 4.2.0 Try later", unfolded, StringComparison.Ordinal);
        Assert.Contains("Status: 5.4.7", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Once_the_delay_warning_time_has_passed_the_sender_is_warned_once()
    {
        spool.Route.Answer = ScriptedRoute.Replying(Later);
        var message = await spool.SubmitAsync(spool.Clock.GetUtcNow() - TimeSpan.FromHours(5), "bob@example.test");
        var attempt = NewAttempt(options with { DelayWarning = TimeSpan.FromHours(4) });
        Assert.NotNull(await Settle.Soon(attempt.RunAsync(message)));
        Assert.Single(notices);
        Assert.True(spool.Store.ReadState(message.QueueId).DelayWarned);

        Assert.NotNull(await Settle.Soon(attempt.RunAsync(message)));
        Assert.Single(notices);
    }

    [Fact]
    public async Task A_message_removed_by_hand_leaves_the_schedule_without_a_notice()
    {
        // As the queue holds it once its first attempt is over (or after a restart): without the in-memory copy a fresh
        // message carries for that first attempt, which is sent without looking for the file.
        var message = SpoolFormat.Read((await spool.SubmitAsync("bob@example.test")).Path);
        Assert.Null(message.ContentCopy);
        File.Delete(message.Path);
        Assert.Null(await Settle.Soon(NewAttempt().RunAsync(message)));
        Assert.Equal(0, spool.Route.SessionsOpened);
        Assert.Empty(notices);
    }

    [Fact]
    public async Task An_attempt_cut_by_a_stop_keeps_the_message_for_the_next_start_to_try_at_once()
    {
        var message = await spool.SubmitAsync("bob@example.test");
        await stopping.CancelAsync();
        Assert.Null(await Settle.Soon(NewAttempt().RunAsync(message)));
        Assert.True(spool.IsQueued(message));
        var state = spool.Store.ReadState(message.QueueId);
        Assert.Equal((0, spool.Clock.GetUtcNow()), (state.Attempts, state.NextAttemptAt));
    }
}
