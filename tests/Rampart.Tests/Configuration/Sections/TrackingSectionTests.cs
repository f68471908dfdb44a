using Rampart.Configuration;

namespace Rampart.Tests.Configuration.Sections;

/// <summary>tracking: message tracking on or off, and how long its events are kept.</summary>
public sealed class TrackingSectionTests : ConfigTest
{
    [Fact]
    public void Without_the_section_tracking_is_on_for_30_days()
    {
        var tracking = Load(Valid).Tracking;

        Assert.True(tracking.Enabled);
        Assert.Equal(TimeSpan.FromDays(30), tracking.Retention);
    }

    [Fact]
    public void Enabled_and_retention_are_read()
    {
        var tracking = Load(Valid + "\ntracking: {enabled: false, retention: 90d}\n").Tracking;

        Assert.False(tracking.Enabled);
        Assert.Equal(TimeSpan.FromDays(90), tracking.Retention);
    }

    [Theory]
    [InlineData("retention: 30m", "retention: |30m", "tracking.retention", "is not a duration from 1h to 3650d")]
    [InlineData("retention: 3651d", "retention: |3651d", "tracking.retention", "is not a duration from 1h to 3650d")]
    [InlineData("retention: forever", "retention: |forever", "tracking.retention", "is not a duration")]
    [InlineData("enabled: maybe", "enabled: |maybe", "tracking.enabled", "")]
    [InlineData("retain: 30d", "|retain", "tracking.retain", "unknown key")]
    public void A_tracking_mistake_is_named(string line, string at, string key, string problem) =>
        AssertMistake("hostname: mx.example.test", $"hostname: mx.example.test\ntracking:\n  {line}", at, key, problem);

    [Fact]
    public void A_changed_tracking_section_waits_for_a_restart()
    {
        var started = Load(Valid);
        var next = Load(Valid + "\ntracking: {retention: 7d}\n");

        var plan = ReloadPlan.Make(started, started, next);

        Assert.Contains("tracking", plan.NeedRestart);
        Assert.Equal(started.Tracking, plan.Apply.Tracking);
    }
}
