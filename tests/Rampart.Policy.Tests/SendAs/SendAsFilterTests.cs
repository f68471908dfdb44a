using Rampart.Mail;
using Rampart.Policy.SendAs;
using Rampart.Policy.Tests.Connection;

namespace Rampart.Policy.Tests.SendAs;

public class SendAsFilterTests
{
    private sealed class Directory : ISendAsDirectory
    {
        public IReadOnlyList<string> AddressesOf(string user) =>
            user == "alice" ? ["alice@example.test", "@sales.test"] : [];
    }

    private static readonly SendAsFilter Filter = new(new Directory());

    [Theory]
    [InlineData("alice", "alice@example.test", true)]
    [InlineData("alice", "ALICE@Example.test", true)]
    [InlineData("alice", "anyone@sales.test", true)]
    [InlineData("alice", "anyone@sub.sales.test", false)]
    [InlineData("alice", "ceo@example.test", false)]
    [InlineData("alice", "", true)]
    [InlineData("mallory", "alice@example.test", false)]
    [InlineData(null, "ceo@example.test", true)]
    public async Task Only_the_users_own_addresses_pass(string? user, string sender, bool passes)
    {
        var session = IpAccessListFilterTests.From("192.0.2.1");
        session.AuthenticatedUser = user;
        var verdict = await Filter.OnMailFromAsync(session, new Sender(sender), default);
        Assert.Equal(passes, verdict is Verdict.Continue);
        if (verdict is Verdict.Reject reject) Assert.Equal("550 5.7.1", $"{reject.Reply.Code} {reject.Reply.Status}");
    }
}
