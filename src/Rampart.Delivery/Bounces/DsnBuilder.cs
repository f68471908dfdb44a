using Rampart.Mail;

namespace Rampart.Delivery.Bounces;

/// <summary>Skeleton: filled in by the bounce work.</summary>
public static class DsnBuilder
{
    /// <summary>
    /// Whether a notice of <paramref name="action"/> may be sent for this recipient: never to the null sender,
    /// and only as NOTIFY asks (RFC 3461 §4.1).
    /// </summary>
    public static bool ShouldNotify(Sender sender, Recipient recipient, DsnAction action) => throw new NotImplementedException();

    /// <summary>The whole notification as message bytes (CRLF lines), ready to be queued from the null sender.</summary>
    public static Task<byte[]> BuildAsync(DeliveryReport report, CancellationToken ct) => throw new NotImplementedException();
}
