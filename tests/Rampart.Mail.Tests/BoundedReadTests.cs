using Rampart.Testing;

namespace Rampart.Mail.Tests;

/// <summary>
/// A stream's first bytes up to a limit, through a pooled buffer that grows: every length around the limit and around
/// the buffer's sizes, a source that trickles a byte at a time, and "more" only when there was more.
/// </summary>
public sealed class BoundedReadTests
{
    public static TheoryData<int, long> Lengths()
    {
        var data = new TheoryData<int, long>();
        foreach (var (length, limit) in new (int, long)[]
        {
            (0, 0), (0, 10), (1, 0), (10, 10), (11, 10), (9, 10),
            (16 * 1024, 16 * 1024), (16 * 1024 + 1, 16 * 1024), (16 * 1024 - 1, 16 * 1024),
            (100_000, 1_000_000), (100_000, 65_536), (300_000, 299_999), (300_000, 300_000),
        })
        {
            data.Add(length, limit);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public async Task Keeps_at_most_the_limit_and_says_whether_there_was_more(int length, long limit)
    {
        var content = Pattern(length);
        var (kept, more) = await BoundedRead.ReadAsync(new MemoryStream(content), limit, (bytes, more) => (bytes.ToArray(), more), default);

        Assert.Equal(content.AsSpan(0, (int)Math.Min(length, limit)).ToArray(), kept);
        Assert.Equal(length > limit, more);
    }

    [Fact]
    public async Task A_source_that_gives_a_byte_at_a_time_is_read_whole()
    {
        var content = Pattern(40_000);
        var (kept, more) = await BoundedRead.ReadAsync(new TrickleStream(content, 1), 50_000, (bytes, more) => (bytes.ToArray(), more), default);

        Assert.Equal(content, kept);
        Assert.False(more);
    }

    [Fact]
    public async Task A_negative_limit_keeps_nothing()
    {
        var (count, more) = await BoundedRead.ReadAsync(new MemoryStream([1, 2, 3]), -5, (bytes, more) => (bytes.Length, more), default);

        Assert.Equal(0, count);
        Assert.True(more);
    }

    private static byte[] Pattern(int length) => Enumerable.Range(0, length).Select(i => (byte)(i * 7 + i / 251)).ToArray();
}
