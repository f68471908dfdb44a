using Microsoft.Extensions.Logging.Abstractions;
using Rampart.Mail;
using Rampart.Policy.Recipients;

namespace Rampart.Policy.Tests.Recipients;

/// <summary>
/// The callout's reading of a next hop's RCPT reply, with a scripted probe (the real client against real sockets is
/// tested in Rampart.EndToEnd/Recipients). A 5xx is "unknown" only when it is about the address.
/// </summary>
public sealed class CalloutRecipientSourceTests
{
    /// <summary>Answers each question with what it was given, and remembers the questions.</summary>
    private sealed class ScriptedProbe(ProbeAnswer answer) : IRecipientProbe
    {
        public List<string> Asked { get; } = [];

        public string Describe => "smtp.internal.test:25";

        public Task<ProbeAnswer> AskAsync(string address, CancellationToken ct)
        {
            Asked.Add(address);
            return Task.FromResult(answer);
        }
    }

    public static TheoryData<int, string?, RecipientLookup> Replies => new()
    {
        { 250, "2.1.5", RecipientLookup.Known },
        { 251, null, RecipientLookup.Known },
        { 550, "5.1.1", RecipientLookup.Unknown },
        { 553, "5.1.3", RecipientLookup.Unknown },
        { 550, null, RecipientLookup.Unknown },
        { 551, null, RecipientLookup.Unknown },
        { 553, null, RecipientLookup.Unknown },
        // A smart host that refuses to relay for us is misconfigured: never a reason to refuse the recipient.
        { 550, "5.7.1", RecipientLookup.Unavailable },
        { 554, null, RecipientLookup.Unavailable },
        { 450, "4.2.1", RecipientLookup.Unavailable },
        { 421, null, RecipientLookup.Unavailable },
    };

    [Theory]
    [MemberData(nameof(Replies))]
    public async Task The_reply_to_RCPT_becomes_a_lookup(int code, string? status, RecipientLookup expected)
    {
        var reply = status is null ? SmtpReply.Plain(code, "whatever") : new SmtpReply(code, status, "whatever");
        var probe = new ScriptedProbe(ProbeAnswer.Replied(reply));
        var source = new CalloutRecipientSource(probe, NullLogger.Instance);

        Assert.Equal(expected, await source.LookupAsync("bob@example.test", default));
        Assert.Equal(["bob@example.test"], probe.Asked);
    }

    [Fact]
    public async Task No_reply_at_all_is_unavailable_never_unknown()
    {
        var source = new CalloutRecipientSource(new ScriptedProbe(ProbeAnswer.NotAsked("connection refused")), NullLogger.Instance);

        Assert.Equal(RecipientLookup.Unavailable, await source.LookupAsync("bob@example.test", default));
    }

    [Fact]
    public void Its_name_says_whom_it_asks()
    {
        var source = new CalloutRecipientSource(new ScriptedProbe(ProbeAnswer.NotAsked("x")), NullLogger.Instance);

        Assert.Equal("callout to smtp.internal.test:25", source.Name);
    }
}
