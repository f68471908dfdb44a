using Rampart.Policy.Connection;

namespace Rampart.Configuration.Sections;

/// <summary>A listener's rate_limits: per-client rates per minute; 0 or absent is no limit.</summary>
internal static class RateLimitsSection
{
    public static RateLimits Read(Section? s)
    {
        var d = new RateLimits();
        if (s is null) return d;
        var limits = new RateLimits(
            s.Int("connections_per_minute", d.ConnectionsPerMinute, 0, 1_000_000),
            s.Int("messages_per_minute", d.MessagesPerMinute, 0, 1_000_000),
            s.Int("recipients_per_minute", d.RecipientsPerMinute, 0, 10_000_000));
        s.Finish();
        return limits;
    }
}
