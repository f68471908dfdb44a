using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Rampart.Policy.Recipients;
using Rampart.Testing;

namespace Rampart.Policy.Tests.Recipients;

public class RecipientCacheAndFileTests
{
    [Fact]
    public async Task Answers_are_cached_for_their_ttl_and_unavailable_not_at_all()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var inner = new RecipientFilterTests.TableSource(RecipientLookup.Unknown, "bob@example.test");
        var cache = new CachedRecipientSource(inner, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(1), clock);

        Assert.Equal(RecipientLookup.Known, await cache.LookupAsync("bob@example.test", default));
        Assert.Equal(RecipientLookup.Unknown, await cache.LookupAsync("new@example.test", default));
        Assert.Equal(RecipientLookup.Known, await cache.LookupAsync("BOB@example.test", default));
        Assert.Equal(RecipientLookup.Unknown, await cache.LookupAsync("new@example.test", default));
        Assert.Equal(2, inner.Calls);

        clock.Advance(TimeSpan.FromMinutes(2)); // the negative answer has expired, the positive not
        Assert.Equal(RecipientLookup.Unknown, await cache.LookupAsync("new@example.test", default));
        Assert.Equal(RecipientLookup.Known, await cache.LookupAsync("bob@example.test", default));
        Assert.Equal(3, inner.Calls);

        inner.Otherwise = RecipientLookup.Unavailable;
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(RecipientLookup.Unavailable, await cache.LookupAsync("new@example.test", default));
        Assert.Equal(RecipientLookup.Unavailable, await cache.LookupAsync("new@example.test", default));
        Assert.Equal(5, inner.Calls);
    }

    /// <summary>Answers only when released, counting the questions.</summary>
    private sealed class GatedSource : IRecipientSource
    {
        public readonly TaskCompletionSource<RecipientLookup> Answer = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Calls;
        public string Name => "gated";

        public async ValueTask<RecipientLookup> LookupAsync(string address, CancellationToken ct)
        {
            Interlocked.Increment(ref Calls);
            return await Answer.Task;
        }
    }

    /// <summary>Issue 11 item 10: N simultaneous RCPTs for one address cost one question, and one caller leaving does not end it for the rest.</summary>
    [Fact]
    public async Task Simultaneous_lookups_of_one_address_share_one_question()
    {
        var inner = new GatedSource();
        var cache = new CachedRecipientSource(inner, TimeSpan.FromHours(1), TimeSpan.FromHours(1), new FakeTimeProvider());
        using var leaving = new CancellationTokenSource();

        var quitter = cache.LookupAsync("bob@example.test", leaving.Token).AsTask();
        var waiting = Enumerable.Range(0, 5).Select(i => cache.LookupAsync(i % 2 == 0 ? "bob@example.test" : "BOB@example.test", default).AsTask()).ToList();
        await leaving.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => quitter);

        inner.Answer.SetResult(RecipientLookup.Known);
        Assert.All(await Task.WhenAll(waiting), status => Assert.Equal(RecipientLookup.Known, status));
        Assert.Equal(1, inner.Calls);
        Assert.Equal(RecipientLookup.Known, await cache.LookupAsync("bob@example.test", default));
        Assert.Equal(1, inner.Calls);
    }

    [Fact]
    public async Task A_harvesting_run_that_fills_the_cache_does_not_evict_real_mailboxes()
    {
        var inner = new RecipientFilterTests.TableSource(RecipientLookup.Unknown, "bob@example.test");
        var cache = new CachedRecipientSource(inner, TimeSpan.FromHours(1), TimeSpan.FromHours(1), new FakeTimeProvider());
        await cache.LookupAsync("bob@example.test", default);

        for (int i = 0; i <= CachedRecipientSource.MaxEntries; i++) await cache.LookupAsync($"guess{i}@example.test", default);
        int calls = inner.Calls;

        Assert.Equal(RecipientLookup.Known, await cache.LookupAsync("bob@example.test", default));
        Assert.Equal(calls, inner.Calls); // still answered from the cache
    }

    [Fact]
    public async Task The_file_is_reloaded_when_it_changes_and_a_broken_one_keeps_the_last_good_list()
    {
        using var temp = new TempDirectory("rampart-rcpt");
        var path = temp.File("recipients.txt");
        File.WriteAllText(path, "# staff\nbob@example.test\n  Carol@Example.test   # sales\n\n");
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var source = new RecipientFileSource(path, NullLogger.Instance, TimeSpan.FromSeconds(5), clock);

        Assert.Equal(RecipientLookup.Known, await source.LookupAsync("carol@example.test", default));
        Assert.Equal(RecipientLookup.Unknown, await source.LookupAsync("dave@example.test", default));

        Rewrite(path, "bob@example.test\ndave@example.test\n", 1);
        Assert.Equal(RecipientLookup.Unknown, await source.LookupAsync("dave@example.test", default)); // not checked yet
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(RecipientLookup.Known, await source.LookupAsync("dave@example.test", default));
        Assert.Equal(RecipientLookup.Unknown, await source.LookupAsync("carol@example.test", default));

        Rewrite(path, "bob@example.test\nthis is not an address\n", 2);
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(RecipientLookup.Known, await source.LookupAsync("dave@example.test", default));

        File.Delete(path);
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(RecipientLookup.Known, await source.LookupAsync("dave@example.test", default));

        Rewrite(path, "erin@example.test\n", 3);
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(RecipientLookup.Known, await source.LookupAsync("erin@example.test", default));
        Assert.Equal(RecipientLookup.Unknown, await source.LookupAsync("dave@example.test", default));
    }

    [Fact]
    public async Task A_file_never_read_well_is_unavailable_not_empty()
    {
        using var temp = new TempDirectory("rampart-rcpt");
        var path = temp.File("recipients.txt");
        File.WriteAllText(path, "<bob@example.test>\n");
        var source = new RecipientFileSource(path, NullLogger.Instance, TimeSpan.Zero);
        Assert.Equal(RecipientLookup.Unavailable, await source.LookupAsync("bob@example.test", default));
    }

    /// <summary>A distinct modification time each time, whatever the file system's timestamp granularity.</summary>
    private static void Rewrite(string path, string text, int generation)
    {
        File.WriteAllText(path, text);
        File.SetLastWriteTimeUtc(path, new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(generation));
    }
}
