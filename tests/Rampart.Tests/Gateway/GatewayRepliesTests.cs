using Rampart.Auth;
using Rampart.Gateway;
using Rampart.Mail;
using Rampart.Policy;
using Rampart.Smtp.Protocol;

namespace Rampart.Tests.Gateway;

public sealed class GatewayRepliesTests
{
    private static readonly SmtpReply Refusal = new(550, "5.7.1", "No");

    [Fact]
    public void Only_refusals_become_replies_the_rest_lets_the_session_go_on()
    {
        Assert.Same(Refusal, GatewayReplies.For(new Verdict.Reject(Refusal)));
        Assert.Same(Refusal, GatewayReplies.For(new Verdict.TempFail(Refusal)));
        Assert.Null(GatewayReplies.For(Verdict.Next));
        Assert.Null(GatewayReplies.For(Verdict.Ok));
        Assert.Null(GatewayReplies.For(new Verdict.Quarantine("held")));
    }

    [Fact]
    public void A_lockout_and_a_store_that_cannot_be_read_are_temporary_so_the_client_does_not_ask_for_a_new_password()
    {
        Assert.Null(GatewayReplies.For(AuthOutcome.Success));
        Assert.Equal("535 5.7.8 Authentication credentials invalid", GatewayReplies.For(AuthOutcome.Failed)!.ToString());
        Assert.Same(Replies.AuthFailed, GatewayReplies.For(AuthOutcome.Failed));
        Assert.Equal("454 4.7.0 Too many authentication failures; try again later", GatewayReplies.For(AuthOutcome.LockedOut)!.ToString());
        Assert.Equal("454 4.7.0 Temporary authentication failure", GatewayReplies.For(AuthOutcome.Unavailable)!.ToString());
    }

    [Fact]
    public void The_250_after_the_commit_names_the_queue_id()
    {
        Assert.Equal("250 2.0.0 Ok: queued as ABC123", GatewayReplies.Queued("ABC123").ToString());
        Assert.Equal("452 4.3.1 Insufficient system resources; try again later", GatewayReplies.InsufficientResources.ToString());
    }
}
