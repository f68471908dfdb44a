using Rampart.Auth;
using Rampart.Smtp.Protocol;

namespace Rampart.Configuration.Sections;

/// <summary>A listener's auth: the SASL mechanisms offered, and how failures are slowed and locked out.</summary>
internal static class AuthSection
{
    public static AuthOptions? Read(Section? s)
    {
        if (s is null) return null;
        var mechanisms = new List<string>();
        foreach (var m in s.Has("mechanisms") ? s.List("mechanisms") : AuthOptions.DefaultMechanisms)
        {
            var name = m.ToUpperInvariant();
            if (name is not (Sasl.Plain or Sasl.Login or Sasl.ScramSha256)) throw s.Error("mechanisms", $"'{m}' is not one of plain, login, scram-sha-256");
            if (!mechanisms.Contains(name)) mechanisms.Add(name);
        }
        if (mechanisms.Count == 0) throw s.Error("mechanisms", "needs at least one of plain, login, scram-sha-256");
        var d = new FailureLimits();
        var limits = new FailureLimits
        {
            MaxFailures = s.Int("max_failures", d.MaxFailures, 1, 1000),
            Lockout = s.Duration("lockout", d.Lockout, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1)),
            Delay = s.Duration("failure_delay", d.Delay, TimeSpan.Zero, TimeSpan.FromMinutes(1)),
            MaxDelay = s.Duration("max_failure_delay", d.MaxDelay, TimeSpan.Zero, TimeSpan.FromMinutes(5)),
        };
        s.Finish();
        return new AuthOptions(mechanisms, limits);
    }
}
