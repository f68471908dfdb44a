using Rampart.Policy.Greylisting;

namespace Rampart.Configuration.Sections;

/// <summary>
/// A listener's greylisting: the delay, how long pending and passed triplets are kept, when a client is passed
/// whole, and the networks never delayed. Present (even empty: <c>greylisting: {}</c>) turns it on.
/// </summary>
internal static class GreylistingSection
{
    public static GreylistOptions? Read(Section? s)
    {
        if (s is null) return null;
        var d = new GreylistOptions();
        var options = d with
        {
            // Above an hour a real MTA's retries thin out (postfix backs off to 4000s): mail would be late, not safer.
            Delay = s.Duration("delay", d.Delay, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1)),
            RetryWindow = s.Duration("retry_window", d.RetryWindow, TimeSpan.FromMinutes(1), TimeSpan.FromDays(30)),
            PassedLifetime = s.Duration("passed_lifetime", d.PassedLifetime, TimeSpan.FromHours(1), TimeSpan.FromDays(365)),
            AutoAllowAfter = s.Int("auto_allow_after", d.AutoAllowAfter, 0, 1000),
            AutoAllowLifetime = s.Duration("auto_allow_lifetime", d.AutoAllowLifetime, TimeSpan.FromHours(1), TimeSpan.FromDays(365)),
            Allow = s.Networks("allow"),
        };
        if (options.RetryWindow <= options.Delay)
        {
            throw s.Error("retry_window", $"must be longer than the delay ({options.Delay}): no retry could ever pass");
        }
        s.Finish();
        return options;
    }
}
