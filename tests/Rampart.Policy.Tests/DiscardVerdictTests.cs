using System.Net;
using Rampart.Mail;
using Rampart.Policy.Tests.Attachments;

namespace Rampart.Policy.Tests;

/// <summary>
/// How the chain weighs a discard (<see cref="Verdict.Discard"/>): it ends the message stage and wins over an earlier
/// hold; at an envelope stage it is no opinion, above all never a recipient let past the relay filter.
/// </summary>
public sealed class DiscardVerdictTests
{
    private sealed class Saying(string name, Verdict verdict, List<string> log) : IMessageFilter, IRcptToFilter, IConnectFilter
    {
        public string Name => name;

        public ValueTask<Verdict> OnMessageAsync(MessageContext message, CancellationToken ct) => Say();

        public ValueTask<Verdict> OnRcptToAsync(SessionFacts session, Sender sender, Recipient recipient, CancellationToken ct) => Say();

        public ValueTask<Verdict> OnConnectAsync(SessionFacts session, CancellationToken ct) => Say();

        private ValueTask<Verdict> Say()
        {
            log.Add(name);
            return ValueTask.FromResult(verdict);
        }
    }

    private static readonly SmtpReply Refused = new(550, "5.7.1", "refused");

    private static MessageContext Message() => Samples.Context("Subject: x\r\n\r\nx\r\n"u8.ToArray());

    [Fact]
    public async Task A_discard_ends_the_message_stage_so_a_later_refusal_or_hold_never_happens()
    {
        var log = new List<string>();
        var chain = new PolicyChain([
            new Saying("rule", new Verdict.Discard("rule 3"), log),
            new Saying("antivirus", new Verdict.Reject(Refused), log),
            new Saying("spam", new Verdict.Quarantine("spam"), log),
        ]);

        var verdict = await chain.MessageAsync(Message(), default);

        Assert.Equal(new Verdict.Discard("rule 3"), verdict);
        Assert.Equal(["rule"], log);
    }

    [Fact]
    public async Task A_discard_after_a_hold_wins_and_a_refusal_before_it_stands()
    {
        var log = new List<string>();
        var held = new PolicyChain([new Saying("spam", new Verdict.Quarantine("spam"), log), new Saying("rule", new Verdict.Discard("rule 3"), log)]);
        var refused = new PolicyChain([new Saying("antivirus", new Verdict.Reject(Refused), log), new Saying("rule", new Verdict.Discard("rule 3"), log)]);

        Assert.IsType<Verdict.Discard>(await held.MessageAsync(Message(), default));
        Assert.Equal(new Verdict.Reject(Refused), await refused.MessageAsync(Message(), default));
    }

    [Fact]
    public async Task At_an_envelope_stage_a_discard_is_no_opinion_and_never_accepts_a_recipient()
    {
        var log = new List<string>();
        var chain = new PolicyChain([new Saying("odd", new Verdict.Discard("x"), log)]);
        var session = new SessionFacts
        {
            SessionId = "S1",
            ListenerName = "inbound",
            Role = ListenerRole.Inbound,
            RemoteEndPoint = new IPEndPoint(IPAddress.Parse("192.0.2.7"), 40000),
            LocalEndPoint = new IPEndPoint(IPAddress.Loopback, 25),
        };

        Assert.Equal(Verdict.Next, await chain.ConnectAsync(session, default));
        var rcpt = await chain.RcptToAsync(session, new Sender("a@far.test"), new Recipient("b@elsewhere.test"), default);

        Assert.Equal(new Verdict.Reject(PolicyReplies.RelayDenied), rcpt);
    }
}
