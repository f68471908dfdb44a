using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Rampart.Mail;
using Rampart.Policy.Recipients;
using Rampart.Policy.Relay;
using Rampart.Policy.Tests.Connection;
using Rampart.Testing;

namespace Rampart.Policy.Tests.Recipients;

/// <summary>The recipient filter's and the list file's log lines: their event ids (41xx) and the same words as before.</summary>
public sealed class RecipientLogTests
{
    private static readonly AcceptedDomains Domains = new([new AcceptedDomain("example.test", DomainType.Authoritative)]);

    private static async Task<IReadOnlyList<FakeLogRecord>> RcptAsync(IRecipientSource source, string address)
    {
        var logger = new FakeLogger();
        logger.ControlLevel(LogLevel.Debug, true);
        var filter = new RecipientFilter(Domains, [source], tarpitAfter: 0, TimeSpan.Zero, logger);
        await filter.OnRcptToAsync(IpAccessListFilterTests.From("203.0.113.5"), new Sender("a@foreign.test"), new Recipient(address), default);
        return logger.Collector.GetSnapshot();
    }

    private static (int, LogLevel, string) Line(FakeLogRecord log) => (log.Id.Id, log.Level, log.Message);

    [Fact]
    public async Task An_unknown_recipient_is_4101_at_debug()
    {
        var log = Assert.Single(await RcptAsync(new RecipientFilterTests.TableSource(RecipientLookup.Unknown), "mallory@example.test"));
        Assert.Equal((4101, LogLevel.Debug, "Session t: unknown recipient mallory@example.test (1 in this session)"), Line(log));
    }

    [Fact]
    public async Task A_failing_source_is_4102_with_its_exception_and_a_silent_one_4103()
    {
        var failed = Assert.Single(await RcptAsync(new RecipientFilterTests.ThrowingSource(), "bob@example.test"),
            l => l.Id.Id == 4102);
        Assert.Equal((4102, LogLevel.Error, "Recipient source broken failed on bob@example.test"), Line(failed));
        Assert.IsType<InvalidOperationException>(failed.Exception);

        var down = Assert.Single(await RcptAsync(new RecipientFilterTests.TableSource(RecipientLookup.Unavailable), "bob@example.test"));
        Assert.Equal((4103, LogLevel.Warning, "Recipient source table cannot answer for bob@example.test"), Line(down));
    }

    [Fact]
    public void The_list_file_says_when_it_is_missing_loaded_or_refused_4110_to_4112()
    {
        using var temp = new TempDirectory("rampart-recipient-log");
        var path = temp.File("recipients.txt");
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var logger = new FakeLogger();

        var source = new RecipientFileSource(path, logger, TimeSpan.FromSeconds(1), time);
        File.WriteAllLines(path, ["bob@example.test", "carol@example.test"]);
        time.Advance(TimeSpan.FromSeconds(1));
        _ = source.LookupAsync("bob@example.test", default);
        File.WriteAllLines(path, ["bob@example.test", "not an address"]);
        time.Advance(TimeSpan.FromSeconds(1));
        _ = source.LookupAsync("bob@example.test", default);

        Assert.Equal(
        [
            (4110, LogLevel.Warning, $"Recipient list {path} is missing; no list loaded yet, recipients get 451 4.4.3"),
            (4112, LogLevel.Information, $"Recipient list {path}: 2 addresses"),
            (4111, LogLevel.Warning, $"Recipient list {path}: line 2: 'not an address' is not an address (local@domain); keeping the last good list"),
        ], logger.Collector.GetSnapshot().Select(Line));
    }
}
