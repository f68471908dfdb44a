using Rampart.Policy.Greylisting;

namespace Rampart.Policy.Tests.Greylisting;

/// <summary>The greylisting arithmetic every store shares, case by case, on the default options.</summary>
public class GreylistRulesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);
    private static readonly GreylistOptions O = new();

    private static GreylistResult Step(TripletEntry? triplet, ClientEntry? client, TimeSpan at) =>
        GreylistRules.Step(triplet, client, T0 + at, O).Result;

    [Fact]
    public void A_new_triplet_is_delayed_for_the_whole_delay_and_remembered_as_pending()
    {
        var (result, triplet, client) = GreylistRules.Step(null, null, T0, O);
        Assert.Equal(new GreylistResult(GreylistOutcome.Delayed, TimeSpan.FromMinutes(5)), result);
        Assert.Equal(new TripletEntry(T0, T0, false), triplet);
        Assert.Null(client);
    }

    [Fact]
    public void An_early_retry_keeps_the_first_sighting_and_is_told_what_is_left()
    {
        var (result, triplet, _) = GreylistRules.Step(new TripletEntry(T0, T0, false), null, T0 + TimeSpan.FromMinutes(4), O);
        Assert.Equal(new GreylistResult(GreylistOutcome.Delayed, TimeSpan.FromMinutes(1)), result);
        Assert.Equal(T0, triplet!.FirstSeen);
    }

    [Fact]
    public void A_retry_after_the_delay_passes_and_counts_one_pass_for_the_network()
    {
        var (result, triplet, client) = GreylistRules.Step(new TripletEntry(T0, T0, false), null, T0 + TimeSpan.FromMinutes(5), O);
        Assert.Equal(GreylistOutcome.PassedNow, result.Outcome);
        Assert.True(triplet!.Passed);
        Assert.Equal(new ClientEntry(1, T0 + TimeSpan.FromMinutes(5), null), client);
    }

    [Theory]
    [InlineData(47 * 60, GreylistOutcome.PassedNow)]  // within the 2-day window
    [InlineData(49 * 60, GreylistOutcome.Delayed)]    // too late: starts over
    public void A_pending_triplet_lives_for_the_retry_window(int minutes, GreylistOutcome expected) =>
        Assert.Equal(expected, Step(new TripletEntry(T0, T0, false), null, TimeSpan.FromMinutes(minutes)).Outcome);

    [Theory]
    [InlineData(34, GreylistOutcome.Passed)]
    [InlineData(36, GreylistOutcome.Delayed)]
    public void A_passed_triplet_lives_for_its_lifetime_after_its_last_use(int days, GreylistOutcome expected) =>
        Assert.Equal(expected, Step(new TripletEntry(T0 - TimeSpan.FromDays(100), T0, true), null, TimeSpan.FromDays(days)).Outcome);

    [Fact]
    public void The_fifth_pass_allows_the_network_and_each_mail_keeps_it_allowed()
    {
        var (_, _, client) = GreylistRules.Step(new TripletEntry(T0, T0, false), new ClientEntry(4, T0, null), T0 + TimeSpan.FromHours(1), O);
        Assert.Equal(T0 + TimeSpan.FromHours(1) + O.AutoAllowLifetime, client!.AllowedUntil);

        var later = T0 + TimeSpan.FromDays(20);
        var (result, triplet, kept) = GreylistRules.Step(null, client, later, O);
        Assert.Equal(GreylistOutcome.ClientAllowed, result.Outcome);
        Assert.Null(triplet); // an allowed client's triplets are not written
        Assert.Equal(later + O.AutoAllowLifetime, kept!.AllowedUntil);
    }

    [Fact]
    public void An_expired_allowance_and_old_passes_are_forgotten()
    {
        Assert.Equal(GreylistOutcome.Delayed, Step(null, new ClientEntry(9, T0, T0 + TimeSpan.FromDays(1)), TimeSpan.FromDays(2)).Outcome);
        var (_, _, client) = GreylistRules.Step(new TripletEntry(T0 + TimeSpan.FromDays(40), T0 + TimeSpan.FromDays(40), false),
            new ClientEntry(4, T0, null), T0 + TimeSpan.FromDays(40) + TimeSpan.FromMinutes(10), O);
        Assert.Equal(1, client!.Passes); // the 4 passes of 40 days ago no longer count
    }

    [Fact]
    public void Auto_allow_off_never_allows_a_network()
    {
        var off = O with { AutoAllowAfter = 0 };
        var (_, _, client) = GreylistRules.Step(new TripletEntry(T0, T0, false), new ClientEntry(500, T0, null), T0 + TimeSpan.FromHours(1), off);
        Assert.Null(client!.AllowedUntil);
    }
}
