using Microsoft.Extensions.Logging.Abstractions;
using Rampart.Delivery.Bounces;
using Rampart.Delivery.Tests.Scheduling;
using Rampart.Mail;
using Rampart.Queue;

namespace Rampart.Delivery.Tests.Bounces;

public sealed class NotifierTests : IDisposable
{
    private readonly SpoolFixture spool = new();

    public void Dispose() => spool.Dispose();

    private static async Task<List<QueuedMessage>> AllAsync(IAsyncEnumerable<QueuedMessage> notices)
    {
        var list = new List<QueuedMessage>();
        await foreach (var n in notices) list.Add(n);
        return list;
    }

    [Fact]
    public async Task Each_notice_is_yielded_once_it_is_queued_for_the_caller_to_deliver()
    {
        var message = await spool.SubmitAsync("bob@example.test");
        var failed = new RecipientOutcome(RecipientStatus.PermanentFailure, new SmtpReply(550, "5.1.1", "No such user"), spool.Clock.GetUtcNow(), "mx.example.test");
        var notices = await AllAsync(spool.Notifier.NotifyAsync(message, [(0, failed, DsnAction.Failed)], null));

        var notice = Assert.Single(notices);
        Assert.True(spool.IsQueued(notice));
        Assert.Equal("", notice.Envelope.Sender.Address);
        Assert.Equal(SpoolFixture.Sender, Assert.Single(notice.Envelope.Recipients).Address);
    }

    [Fact]
    public async Task Nothing_is_yielded_when_nobody_is_to_be_told()
    {
        var message = await spool.SubmitAsync("bob@example.test");
        var relayed = new RecipientOutcome(RecipientStatus.Delivered, new SmtpReply(250, "2.0.0", "Ok"), spool.Clock.GetUtcNow(), "mx.example.test");
        // NOTIFY was not given: success is not reported (RFC 3461 §4.1).
        Assert.Empty(await AllAsync(spool.Notifier.NotifyAsync(message, [(0, relayed, DsnAction.Relayed)], null)));
    }

    [Theory]
    [InlineData(550, "5.1.1", DsnAction.Failed, "5.1.1")]
    [InlineData(451, "4.4.1", DsnAction.Failed, "5.0.0")]
    [InlineData(451, "4.4.1", DsnAction.Delayed, "4.4.1")]
    [InlineData(250, "2.0.0", DsnAction.Relayed, "2.0.0")]
    public void The_status_field_is_the_reply_s_enhanced_code_when_its_class_fits_the_action(int code, string status, DsnAction action, string expected)
    {
        var outcome = new RecipientOutcome(RecipientStatus.PermanentFailure, new SmtpReply(code, status, "text"), DateTimeOffset.UnixEpoch);
        Assert.Equal(expected, Notifier.StatusOf(outcome, action));
    }

    [Fact]
    public void A_reply_without_an_enhanced_code_gets_the_generic_one()
    {
        var outcome = new RecipientOutcome(RecipientStatus.PermanentFailure, SmtpReply.Plain(550, "no"), DateTimeOffset.UnixEpoch);
        Assert.Equal("5.0.0", Notifier.StatusOf(outcome, DsnAction.Failed));
    }
}
