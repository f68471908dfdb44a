using Rampart.Mail;
using Rampart.Mail.Metrics;

namespace Rampart.Tests.Metrics;

/// <summary>The refusal reason is read from the enhanced code the gateway chose, into a closed set.</summary>
public sealed class RefusalReasonsTests
{
    [Theory]
    [InlineData(550, "5.7.1", "policy")]
    [InlineData(451, "4.7.1", "policy_tempfail")]
    [InlineData(550, "5.1.1", "unknown_recipient")]
    [InlineData(501, "5.1.3", "bad_address")]
    [InlineData(452, "4.3.1", "system_full")]
    [InlineData(552, "5.3.4", "too_big")]
    [InlineData(554, "5.4.6", "loop")]
    [InlineData(500, "5.5.2", "protocol")]
    [InlineData(550, "5.6.0", "content")]
    [InlineData(535, "5.7.8", "auth_failed")]
    [InlineData(538, "5.7.11", "tls_required")]
    [InlineData(550, "5.7.23", "sender_auth")]
    [InlineData(550, "5.9.999", "other")]
    public void Each_enhanced_code_has_one_reason(int code, string status, string reason) =>
        Assert.Equal(reason, RefusalReasons.Label(RefusalReasons.Of(new SmtpReply(code, status, "whatever the client said"))));

    [Fact]
    public void A_reply_without_an_enhanced_code_is_other() =>
        Assert.Equal("other", RefusalReasons.Label(RefusalReasons.Of(SmtpReply.Plain(554, "no"))));

    [Fact]
    public void The_set_is_closed()
    {
        var labels = Enum.GetValues<RefusalReason>().Select(RefusalReasons.Label).ToList();
        Assert.Equal(RefusalReasons.Count, labels.Count);
        Assert.Equal(labels.Count, labels.Distinct().Count());
    }
}

/// <summary>The split: mail from the internet against mail from the organisation, submission included.</summary>
public sealed class DirectionTests
{
    [Theory]
    [InlineData(ListenerRole.Inbound, "inbound")]
    [InlineData(ListenerRole.Outbound, "outbound")]
    [InlineData(ListenerRole.Submission, "outbound")]
    public void Each_role_has_its_direction(ListenerRole role, string direction) =>
        Assert.Equal(direction, RampartMetrics.Label(RampartMetrics.DirectionOf(role)));
}
