namespace Rampart.Policy.Greylisting;

/// <summary>
/// Where greylisting remembers triplets and clients, shared by every listener (triplets are the same mail whatever
/// the listener) and, with a shared store, by several gateways: SQLite in data_dir now; Redis when gateways are
/// clustered (a cluster behind one MX must share it, or a retry that lands on another node starts over).
/// </summary>
public interface IGreylistStore
{
    /// <summary>
    /// Reads the triplet's and its network's entries, applies <see cref="GreylistRules.Step"/> and writes the result
    /// back, atomically: two sessions retrying the same triplet at once must not both be first.
    /// </summary>
    ValueTask<GreylistResult> CheckAsync(GreylistTriplet triplet, GreylistOptions options, CancellationToken ct);
}
