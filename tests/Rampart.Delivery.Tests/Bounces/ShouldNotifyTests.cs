using Rampart.Delivery.Bounces;
using Rampart.Mail;

namespace Rampart.Delivery.Tests.Bounces;

/// <summary>RFC 3461 §4.1 NOTIFY against every action, and the null sender, which never gets a notice.</summary>
public sealed class ShouldNotifyTests
{
    private static readonly Sender Alice = new("alice@example.test");

    public static TheoryData<DsnNotify, DsnAction, bool> Table()
    {
        var data = new TheoryData<DsnNotify, DsnAction, bool>();
        var notifies = new[]
        {
            DsnNotify.Unspecified, DsnNotify.Never,
            DsnNotify.Success, DsnNotify.Failure, DsnNotify.Delay,
            DsnNotify.Success | DsnNotify.Failure, DsnNotify.Success | DsnNotify.Delay, DsnNotify.Failure | DsnNotify.Delay,
            DsnNotify.Success | DsnNotify.Failure | DsnNotify.Delay,
        };
        foreach (var notify in notifies)
        {
            foreach (var action in Enum.GetValues<DsnAction>())
            {
                data.Add(notify, action, Expected(notify, action));
            }
        }
        return data;
    }

    // The table written out once more, independently of the implementation's switch.
    private static bool Expected(DsnNotify notify, DsnAction action) => (notify, action) switch
    {
        (DsnNotify.Never, _) => false,
        (DsnNotify.Unspecified, DsnAction.Failed or DsnAction.Delayed) => true,
        (DsnNotify.Unspecified, _) => false,
        (_, DsnAction.Failed) => (notify & DsnNotify.Failure) != 0,
        (_, DsnAction.Delayed) => (notify & DsnNotify.Delay) != 0,
        _ => (notify & DsnNotify.Success) != 0,
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Notify_decides_for_a_real_sender(DsnNotify notify, DsnAction action, bool expected) =>
        Assert.Equal(expected, DsnBuilder.ShouldNotify(Alice, new Recipient("bob@example.test", notify), action));

    public static TheoryData<DsnNotify, DsnAction> Combinations()
    {
        var data = new TheoryData<DsnNotify, DsnAction>();
        foreach (var row in Table()) data.Add((DsnNotify)row[0], (DsnAction)row[1]);
        return data;
    }

    [Theory]
    [MemberData(nameof(Combinations))]
    public void The_null_sender_never_gets_a_notice(DsnNotify notify, DsnAction action) =>
        Assert.False(DsnBuilder.ShouldNotify(new Sender(""), new Recipient("bob@example.test", notify), action));

    [Fact]
    public void Unspecified_notify_means_failures_and_delay_warnings()
    {
        var bob = new Recipient("bob@example.test");
        Assert.True(DsnBuilder.ShouldNotify(Alice, bob, DsnAction.Failed));
        Assert.True(DsnBuilder.ShouldNotify(Alice, bob, DsnAction.Delayed));
        Assert.False(DsnBuilder.ShouldNotify(Alice, bob, DsnAction.Delivered));
        Assert.False(DsnBuilder.ShouldNotify(Alice, bob, DsnAction.Relayed));
    }
}
