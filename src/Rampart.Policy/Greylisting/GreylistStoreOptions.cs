namespace Rampart.Policy.Greylisting;

/// <summary>Where triplets live: SQLite in data_dir (one gateway), or Redis (several gateways behind one MX).</summary>
public enum GreylistStoreKind { Sqlite, Redis }

/// <summary>
/// The gateway's one greylisting store (greylisting_store:), shared by every listener.
/// <see cref="MaxPending"/> bounds what a flood of random senders can make us keep: each pending triplet is a row of
/// about 200 bytes in SQLite, a key and a sorted-set member of about 300 bytes in Redis, so the default costs at
/// most some 100 MB on disk or 150 MB of Redis memory. Passed triplets are not counted: each stands for real mail.
/// </summary>
public sealed record GreylistStoreOptions
{
    public const int DefaultMaxPending = 500_000;

    public GreylistStoreKind Kind { get; init; } = GreylistStoreKind.Sqlite;

    /// <summary>A StackExchange.Redis configuration string ("10.0.0.5:6379,password=..."); required for Redis.</summary>
    public string? Redis { get; init; }

    /// <summary>Every key this gateway writes starts with it, so one Redis can serve other programs too.</summary>
    public string KeyPrefix { get; init; } = "rampart:greylist:";

    /// <summary>Pending triplets kept at most; past it the ones nearest their expiry are forgotten.</summary>
    public int MaxPending { get; init; } = DefaultMaxPending;
}
