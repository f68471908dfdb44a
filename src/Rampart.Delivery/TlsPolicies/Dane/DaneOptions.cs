using System.Net;

namespace Rampart.Delivery.TlsPolicies.Dane;

/// <summary>
/// The <c>dane:</c> section: the validating resolver whose AD bit DANE trusts. Reloaded with the routes (the routing
/// table is rebuilt at each reload), so a new resolver takes effect for the next delivery attempt.
/// </summary>
public sealed record DaneOptions
{
    /// <summary>The validating resolver (address:port); null: none named, and no route may use DANE.</summary>
    public IPEndPoint? Resolver { get; init; }

    /// <summary>How long one query may take; a timeout is a failed lookup (the host or domain is deferred).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    public IReadOnlyList<string> Warnings { get; init; } = [];
}
