using Microsoft.Extensions.Time.Testing;
using Rampart.Mail;

namespace Rampart.Mail.Tests;

public class QueueIdTests
{
    [Fact]
    public void Ids_are_unique_sortable_and_well_formed()
    {
        var ids = Enumerable.Range(0, 10000).Select(_ => QueueId.New().Value).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
        Assert.All(ids, id => Assert.True(QueueId.TryParse(id, out _)));
    }

    [Fact]
    public void A_stopped_clock_still_gives_increasing_ids()
    {
        var frozen = new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var a = QueueId.New(frozen).Value;
        var b = QueueId.New(frozen).Value;
        Assert.True(string.CompareOrdinal(a, b) < 0);
    }
}
