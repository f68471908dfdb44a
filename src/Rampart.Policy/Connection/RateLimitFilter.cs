using Rampart.Mail;
using Rampart.Policy.State;

namespace Rampart.Policy.Connection;

/// <summary>Per-client rates, each a number per minute; zero means no limit.</summary>
public sealed record RateLimits(int ConnectionsPerMinute = 0, int MessagesPerMinute = 0, int RecipientsPerMinute = 0)
{
    public bool Any => ConnectionsPerMinute > 0 || MessagesPerMinute > 0 || RecipientsPerMinute > 0;
}

/// <summary>
/// Per-client rate limits (postfix's anvil): connections, messages (counted at MAIL FROM) and recipients per
/// minute, as token buckets in a shared store. Over a rate the client is told to come back later — 421 at
/// connect, 450/452 in a transaction — never refused for good. IPv6 clients are counted per /64, the unit a
/// single host can easily hop around in.
/// </summary>
public sealed class RateLimitFilter(string listener, RateLimits limits, IRateStore store) : IConnectFilter, IMailFromFilter, IRcptToFilter
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    public string Name => "rate_limits";

    public async ValueTask<Verdict> OnConnectAsync(SessionFacts session, CancellationToken ct) =>
        await TakeAsync("conn", limits.ConnectionsPerMinute, session, ct)
            ? Verdict.Next
            : new Verdict.TempFail(ConnectionReplies.TooManyConnections(session.ClientAddress));

    public async ValueTask<Verdict> OnMailFromAsync(SessionFacts session, Sender sender, CancellationToken ct) =>
        await TakeAsync("mail", limits.MessagesPerMinute, session, ct)
            ? Verdict.Next
            : new Verdict.TempFail(ConnectionReplies.TooMuchMail(session.ClientAddress));

    public async ValueTask<Verdict> OnRcptToAsync(SessionFacts session, Sender sender, Recipient recipient, CancellationToken ct) =>
        await TakeAsync("rcpt", limits.RecipientsPerMinute, session, ct)
            ? Verdict.Next
            : new Verdict.TempFail(ConnectionReplies.TooManyRecipients(session.ClientAddress));

    private ValueTask<bool> TakeAsync(string what, int perMinute, SessionFacts session, CancellationToken ct) =>
        perMinute <= 0 ? ValueTask.FromResult(true) : store.TryTakeAsync($"{listener}:{what}:{Mail.ClientKey.Of(session.ClientAddress)}", perMinute, Minute, ct);
}
