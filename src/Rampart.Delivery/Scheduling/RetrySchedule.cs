namespace Rampart.Delivery.Scheduling;

/// <summary>
/// Exponential back-off between attempts (postfix's minimal/maximal_backoff_time): the first wait, doubled (by
/// <see cref="Factor"/>) after each attempt, capped. A little jitter keeps a queue deferred together (a smart host
/// that was down) from coming back as one burst.
/// </summary>
public sealed record RetrySchedule(TimeSpan Initial, TimeSpan Max, double Factor = 2)
{
    public static readonly RetrySchedule Default = new(TimeSpan.FromMinutes(5), TimeSpan.FromHours(1));

    /// <summary>The wait after the given number of failed attempts (1 = after the first).</summary>
    public TimeSpan After(int attempts)
    {
        double ticks = Initial.Ticks * Math.Pow(Factor, Math.Max(0, attempts - 1));
        var wait = TimeSpan.FromTicks((long)Math.Min(ticks, Max.Ticks));
        return wait + TimeSpan.FromTicks((long)(wait.Ticks * 0.1 * Random.Shared.NextDouble()));
    }
}
