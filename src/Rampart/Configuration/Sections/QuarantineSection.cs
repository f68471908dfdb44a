namespace Rampart.Configuration.Sections;

/// <summary>quarantine: when held messages are scanned again.</summary>
internal static class QuarantineSection
{
    public static QuarantineOptions Read(Section? s)
    {
        var d = new QuarantineOptions();
        if (s is null) return d;
        var every = s.Duration("rescan_every", d.RescanEvery ?? TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromDays(30));
        var options = new QuarantineOptions
        {
            RescanCheck = s.Duration("rescan_check", d.RescanCheck, TimeSpan.FromMilliseconds(100), TimeSpan.FromDays(1)),
            // 0s is how the file says never.
            RescanEvery = every == TimeSpan.Zero ? null : every,
        };
        s.Finish();
        return options;
    }
}
