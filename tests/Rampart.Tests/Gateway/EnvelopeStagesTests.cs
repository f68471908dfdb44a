using Microsoft.Extensions.Logging.Abstractions;
using Rampart.Gateway;
using Rampart.Mail;
using Rampart.Policy;
using Rampart.Queue;
using Rampart.Testing;

namespace Rampart.Tests.Gateway;

public sealed class EnvelopeStagesTests
{
    /// <summary>Answers every MAIL and RCPT with one verdict, counting the questions.</summary>
    private sealed class ScriptedFilter(Verdict verdict) : IMailFromFilter, IRcptToFilter
    {
        public int Asked;

        public string Name => "scripted";

        public ValueTask<Verdict> OnMailFromAsync(SessionFacts session, Sender sender, CancellationToken ct)
        {
            Asked++;
            return ValueTask.FromResult(verdict);
        }

        public ValueTask<Verdict> OnRcptToAsync(SessionFacts session, Sender sender, Recipient recipient, CancellationToken ct)
        {
            Asked++;
            return ValueTask.FromResult(verdict);
        }
    }

    private static EnvelopeStages Stages(IFilter filter, string spool, long minFreeDisk = 0) =>
        new(new PolicyChain([filter]), new ResourceGuard(spool, minFreeDisk, 0, TimeProvider.System), NullLogger.Instance);

    [Fact]
    public async Task A_gateway_short_of_disk_answers_MAIL_with_452_before_any_filter_is_asked()
    {
        using var temp = new TempDirectory();
        var filter = new ScriptedFilter(Verdict.Ok);
        var stages = Stages(filter, temp.Path, minFreeDisk: long.MaxValue);

        var reply = await stages.MailFromAsync(Facts.Session(), new Sender("alice@sender.test"), default);

        Assert.Same(GatewayReplies.InsufficientResources, reply);
        Assert.Equal(0, filter.Asked);
    }

    [Fact]
    public async Task MAIL_goes_on_unless_a_filter_refuses()
    {
        using var temp = new TempDirectory();
        var refusal = new SmtpReply(550, "5.7.1", "Sender blocked");

        Assert.Null(await Stages(new ScriptedFilter(Verdict.Next), temp.Path).MailFromAsync(Facts.Session(), new Sender("a@b.test"), default));
        Assert.Same(refusal,
            await Stages(new ScriptedFilter(new Verdict.Reject(refusal)), temp.Path).MailFromAsync(Facts.Session(), new Sender("a@b.test"), default));
    }

    [Fact]
    public async Task A_recipient_a_filter_accepted_gets_250_and_one_nobody_accepted_is_refused_by_the_chain()
    {
        using var temp = new TempDirectory();
        var sender = new Sender("alice@sender.test");

        var accepted = await Stages(new ScriptedFilter(Verdict.Ok), temp.Path).RcptToAsync(Facts.Session(), sender, new Recipient("bob@example.test"), default);
        var undecided = await Stages(new ScriptedFilter(Verdict.Next), temp.Path).RcptToAsync(Facts.Session(), sender, new Recipient("bob@example.test"), default);

        Assert.Equal("250 2.1.5 Recipient ok", accepted.ToString());
        Assert.Equal(550, undecided.Code);
    }
}
