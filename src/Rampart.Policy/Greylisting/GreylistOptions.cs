using System.Net;

namespace Rampart.Policy.Greylisting;

/// <summary>
/// A listener's greylisting. The defaults are postgrey's, which a decade of use has shown real MTAs live with:
/// a 5-minute delay (most retry within 15 minutes, RFC 5321 §4.5.4.1 asks for at least 30), a retry window of
/// 2 days (a pending triplet older than that starts over: a queue gives up after about 5 days, a bot sooner),
/// 35 days for a passed triplet or an auto-allowed client after their last mail (a monthly newsletter stays
/// passed), and a client auto-allowed once it has passed 5 triplets (postgrey --auto-whitelist-clients).
/// </summary>
public sealed record GreylistOptions
{
    public TimeSpan Delay { get; init; } = TimeSpan.FromMinutes(5);
    public TimeSpan RetryWindow { get; init; } = TimeSpan.FromDays(2);
    public TimeSpan PassedLifetime { get; init; } = TimeSpan.FromDays(35);
    /// <summary>Passed triplets after which the client's whole network is passed; 0: never.</summary>
    public int AutoAllowAfter { get; init; } = 5;
    public TimeSpan AutoAllowLifetime { get; init; } = TimeSpan.FromDays(35);
    /// <summary>Clients never greylisted (a partner's servers, a big provider's pools that retry from another address).</summary>
    public IReadOnlyList<IPNetwork> Allow { get; init; } = [];
}

/// <summary>
/// What greylisting remembers: the client's network (IPv4 /24, IPv6 /64: big senders retry from another address
/// of the same pool), the envelope sender and the recipient, both lower-cased ("" for the null sender).
/// </summary>
public sealed record GreylistTriplet(string Network, string Sender, string Recipient)
{
    public string Key => $"{Network}|{Sender}|{Recipient}";
}
