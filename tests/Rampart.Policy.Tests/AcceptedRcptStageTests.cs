using System.Net;
using Rampart.Mail;

namespace Rampart.Policy.Tests;

/// <summary>
/// The chain's accepted-recipient stage (<see cref="IAcceptedRcptFilter"/>): asked only about recipients a RCPT
/// filter accepted, in order, after every RCPT filter; it may defer, never accept or refuse.
/// </summary>
public sealed class AcceptedRcptStageTests
{
    private static readonly SessionFacts Session = new()
    {
        SessionId = "S1",
        ListenerName = "inbound",
        Role = ListenerRole.Inbound,
        RemoteEndPoint = new IPEndPoint(IPAddress.Parse("192.0.2.7"), 40000),
        LocalEndPoint = new IPEndPoint(IPAddress.Loopback, 25),
    };

    private static readonly SmtpReply Unknown = new(550, "5.1.1", "unknown");
    private static readonly SmtpReply Later = new(451, "4.7.1", "later");

    /// <summary>Accepts "known@", refuses "unknown@", says nothing of the rest (so the chain's default refuses them).</summary>
    private sealed class Directory(List<string> log) : IRcptToFilter
    {
        public string Name => "directory";

        public ValueTask<Verdict> OnRcptToAsync(SessionFacts session, Sender sender, Recipient recipient, CancellationToken ct)
        {
            log.Add($"directory {recipient.Address}");
            return ValueTask.FromResult(recipient.Address.StartsWith("known@", StringComparison.Ordinal) ? Verdict.Ok
                : recipient.Address.StartsWith("unknown@", StringComparison.Ordinal) ? new Verdict.Reject(Unknown) : Verdict.Next);
        }
    }

    private sealed class Deferring(string name, bool defer, List<string> log) : IAcceptedRcptFilter
    {
        public string Name => name;

        public ValueTask<Verdict.TempFail?> OnAcceptedRcptAsync(SessionFacts session, Sender sender, Recipient recipient, CancellationToken ct)
        {
            log.Add($"{name} {recipient.Address}");
            return ValueTask.FromResult(defer ? new Verdict.TempFail(Later) : null);
        }
    }

    [Fact]
    public async Task Refused_and_unaccepted_recipients_are_never_shown_to_the_stage()
    {
        var log = new List<string>();
        // Listed before the RCPT filter on purpose: the stage runs after the RCPT stage whatever the list order.
        var chain = new PolicyChain([new Deferring("grey", defer: true, log), new Directory(log)]);

        Assert.Equal(new Verdict.Reject(Unknown), await chain.RcptToAsync(Session, new Sender("a@b.test"), new Recipient("unknown@example.test"), default));
        Assert.Equal(new Verdict.Reject(PolicyReplies.RelayDenied), await chain.RcptToAsync(Session, new Sender("a@b.test"), new Recipient("x@elsewhere.test"), default));
        Assert.Equal(new Verdict.TempFail(Later), await chain.RcptToAsync(Session, new Sender("a@b.test"), new Recipient("known@example.test"), default));

        Assert.Equal(["directory unknown@example.test", "directory x@elsewhere.test", "directory known@example.test", "grey known@example.test"], log);
    }

    [Fact]
    public async Task An_accepted_recipient_no_stage_filter_defers_stays_accepted_and_the_first_deferral_wins()
    {
        var log = new List<string>();
        var quiet = new PolicyChain([new Directory(log), new Deferring("quiet", defer: false, log)]);
        Assert.Equal(Verdict.Ok, await quiet.RcptToAsync(Session, new Sender("a@b.test"), new Recipient("known@example.test"), default));

        log.Clear();
        var both = new PolicyChain([new Directory(log), new Deferring("first", defer: true, log), new Deferring("second", defer: true, log)]);
        Assert.IsType<Verdict.TempFail>(await both.RcptToAsync(Session, new Sender("a@b.test"), new Recipient("known@example.test"), default));
        Assert.Equal(["directory known@example.test", "first known@example.test"], log);
    }
}
