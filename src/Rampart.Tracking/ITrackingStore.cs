namespace Rampart.Tracking;

/// <summary>
/// Where tracking events are kept and searched. <see cref="SqliteTrackingStore"/> keeps them in the data folder; the
/// interface is all the gateway, the API and the CLI use, so a PostgreSQL implementation for a cluster of gateways
/// sharing one history is a drop-in: same calls, same semantics (whole-address case-insensitive matches, "@domain"
/// suffix matches, parameterised queries only, results newest-first within the limit, returned oldest-first).
/// Every method may be called from any thread.
/// </summary>
public interface ITrackingStore : IDisposable
{
    /// <summary>Stores a batch in one transaction: all of it or none.</summary>
    Task AppendAsync(IReadOnlyList<TrackingEvent> batch, CancellationToken ct);

    /// <summary>The events matching <paramref name="query"/> (which the caller has checked with <see cref="TrackingQuery.Problem"/>).</summary>
    Task<IReadOnlyList<TrackingEvent>> SearchAsync(TrackingQuery query, CancellationToken ct);

    /// <summary>Counts over [since, until), <paramref name="top"/> entries in each ranking.</summary>
    Task<TrackingStats> StatsAsync(DateTimeOffset since, DateTimeOffset until, int top, CancellationToken ct);

    /// <summary>
    /// Removes at most <paramref name="limit"/> of what happened before <paramref name="before"/>, oldest first, in one
    /// short transaction; returns how many events went (fewer than the limit: nothing older is left).
    /// </summary>
    Task<long> PurgeAsync(DateTimeOffset before, int limit, CancellationToken ct);
}
