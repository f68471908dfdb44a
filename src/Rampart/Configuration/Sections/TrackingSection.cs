namespace Rampart.Configuration.Sections;

/// <summary>tracking: message tracking in data_dir/tracking.db, on or off, and how long its events are kept.</summary>
internal static class TrackingSection
{
    public static TrackingOptions Read(Section? s)
    {
        var d = new TrackingOptions();
        if (s is null) return d;
        var tracking = new TrackingOptions
        {
            Enabled = s.Bool("enabled", d.Enabled),
            Retention = s.Duration("retention", d.Retention, TimeSpan.FromHours(1), TimeSpan.FromDays(3650)),
        };
        s.Finish();
        return tracking;
    }
}
