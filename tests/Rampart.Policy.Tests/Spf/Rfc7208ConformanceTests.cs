using Microsoft.Extensions.Time.Testing;
using Rampart.Policy.Spf;
using Xunit.Abstractions;

namespace Rampart.Policy.Tests.Spf;

/// <summary>
/// The RFC 7208 test suite (openspf.org, release 2014.04): every case one test, and one test that runs them all and
/// prints the pass count ("RFC 7208 suite: N of N passed", also shown by scripts/test.sh from the TRX).
/// </summary>
public sealed class Rfc7208ConformanceTests(ITestOutputHelper output)
{
    public static TheoryData<string> CaseNames => new(Rfc7208Suite.All.Select(c => c.Scenario + " / " + c.Name));

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Case_passes(string name)
    {
        var failure = await RunAsync(Rfc7208Suite.All.Single(c => c.Scenario + " / " + c.Name == name));
        Assert.True(failure is null, failure);
    }

    [Fact]
    public async Task Whole_suite_passes_and_prints_its_count()
    {
        var failures = new List<string>();
        foreach (var c in Rfc7208Suite.All)
            if (await RunAsync(c) is { } failure)
                failures.Add(failure);
        var total = Rfc7208Suite.All.Count;
        output.WriteLine($"RFC 7208 suite: {total - failures.Count} of {total} passed");
        foreach (var failure in failures)
            output.WriteLine(failure);
        Assert.Equal(203, total); // every case of release 2014.04, so that a loader that skips some cannot pass
        Assert.Empty(failures);
    }

    private static async Task<string?> RunAsync(Rfc7208Case c)
    {
        var evaluator = new SpfEvaluator(c.Zone, new FakeTimeProvider());
        var outcome = await evaluator.CheckAsync(new SpfRequest(c.Host, c.MailFrom, c.Helo), CancellationToken.None);
        var result = outcome.Result.ToString().ToLowerInvariant();
        if (!c.Results.Contains(result))
            return $"{c.Scenario} / {c.Name}: {result} ({outcome.Reason}), expected {string.Join(" or ", c.Results)}";
        // "DEFAULT" is the receiver's own text, i.e. none from the domain (the pyspf driver's meaning).
        var expected = c.Explanation == "DEFAULT" ? null : c.Explanation;
        if (c.Explanation is not null && outcome.Result == SpfResult.Fail && outcome.Explanation != expected)
            return $"{c.Scenario} / {c.Name}: explanation \"{outcome.Explanation}\", expected \"{expected}\"";
        return null;
    }
}
