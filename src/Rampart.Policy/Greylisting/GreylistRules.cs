namespace Rampart.Policy.Greylisting;

/// <summary>One remembered triplet: when it was first and last seen, and whether a retry has passed it.</summary>
public sealed record TripletEntry(DateTimeOffset FirstSeen, DateTimeOffset LastSeen, bool Passed);

/// <summary>One client network: how many triplets it has passed, and until when it is passed whole (null: not yet).</summary>
public sealed record ClientEntry(int Passes, DateTimeOffset LastPass, DateTimeOffset? AllowedUntil);

/// <summary>What greylisting decided for one recipient.</summary>
public enum GreylistOutcome
{
    /// <summary>New (or forgotten) triplet, or a retry before the delay: come back later.</summary>
    Delayed,
    /// <summary>A retry after the delay: this is the first pass of the triplet.</summary>
    PassedNow,
    /// <summary>The triplet passed before and is still remembered.</summary>
    Passed,
    /// <summary>The client's network has passed enough triplets to be passed whole.</summary>
    ClientAllowed,
}

/// <summary>The result of a check; <see cref="Remaining"/> is how long a delayed client still has to wait.</summary>
public readonly record struct GreylistResult(GreylistOutcome Outcome, TimeSpan Remaining = default)
{
    public bool Passes => Outcome != GreylistOutcome.Delayed;
}

/// <summary>
/// The greylisting arithmetic, one place for every store (as <c>TokenBucket</c> is for rates): a store reads the
/// two entries, calls <see cref="Step"/> and writes back what it returns, all in one transaction.
/// </summary>
public static class GreylistRules
{
    public static (GreylistResult Result, TripletEntry? Triplet, ClientEntry? Client) Step(
        TripletEntry? triplet, ClientEntry? client, DateTimeOffset now, GreylistOptions o)
    {
        client = Live(client, now, o);
        if (client is { AllowedUntil: { } until } && until > now)
        {
            // Each mail of an allowed client keeps it allowed; its triplets are no longer written.
            return (new(GreylistOutcome.ClientAllowed), triplet, client with { AllowedUntil = now + o.AutoAllowLifetime });
        }

        triplet = Live(triplet, now, o);
        if (triplet is null)
        {
            return (new(GreylistOutcome.Delayed, o.Delay), new TripletEntry(now, now, Passed: false), client);
        }
        if (triplet.Passed)
        {
            return (new(GreylistOutcome.Passed), triplet with { LastSeen = now }, client);
        }
        var waited = now - triplet.FirstSeen;
        if (waited < o.Delay)
        {
            // An early retry does not restart the clock (postgrey): a client that retries every minute gets in
            // after the delay, like one that waits.
            return (new(GreylistOutcome.Delayed, o.Delay - waited), triplet with { LastSeen = now }, client);
        }
        int passes = (client?.Passes ?? 0) + 1;
        DateTimeOffset? allowed = o.AutoAllowAfter > 0 && passes >= o.AutoAllowAfter ? now + o.AutoAllowLifetime : null;
        return (new(GreylistOutcome.PassedNow), triplet with { LastSeen = now, Passed = true }, new ClientEntry(passes, now, allowed));
    }

    /// <summary>Null when the entry has lived its time, so it starts over.</summary>
    private static TripletEntry? Live(TripletEntry? e, DateTimeOffset now, GreylistOptions o) => e switch
    {
        null => null,
        { Passed: false } when now - e.FirstSeen > o.RetryWindow => null,
        { Passed: true } when now - e.LastSeen > o.PassedLifetime => null,
        _ => e,
    };

    private static ClientEntry? Live(ClientEntry? c, DateTimeOffset now, GreylistOptions o) => c switch
    {
        null => null,
        { AllowedUntil: { } until } when until <= now => null,
        { AllowedUntil: null } when now - c.LastPass > o.PassedLifetime => null,
        _ => c,
    };

    /// <summary>When an entry may be forgotten whatever happens next: the longest any rule keeps it.</summary>
    public static TimeSpan LongestLife(GreylistOptions o) =>
        new[] { o.RetryWindow, o.PassedLifetime, o.AutoAllowLifetime }.Max();
}
