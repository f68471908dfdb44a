using MimeKit;
using Rampart.Mail;
using Rampart.Policy.Scoring;

namespace Rampart.Policy.Tests.Scoring;

/// <summary>Header sanity: one From, one valid Date not far off, one well-formed Message-ID.</summary>
public sealed class HeaderRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 20, 0, 0, TimeSpan.Zero);

    private const string Good = "From: a@x.test\r\nDate: Fri, 4 Dec 2026 19:00:00 +0000\r\nMessage-ID: <1@x.test>\r\n";

    private static string[] Symbols(string header, Evidence? before = null)
    {
        using var stream = new MemoryStream(System.Text.Encoding.ASCII.GetBytes(header + "\r\n"));
        var evidence = before ?? new Evidence();
        HeaderRules.Check(HeaderList.Load(stream), Now, evidence);
        return [.. evidence.Findings.Select(f => f.Symbol)];
    }

    [Theory]
    [InlineData(Good, "")]
    [InlineData("Date: Fri, 4 Dec 2026 19:00:00 +0000\r\nMessage-ID: <1@x.test>\r\n", "FROM_MISSING")]
    [InlineData("From: a@x.test\r\n" + Good, "FROM_MULTIPLE")]
    [InlineData("fRoM : a@x.test\r\n" + Good, "FROM_MULTIPLE")] // any case, space before the colon
    [InlineData("From: a@x.test\r\nMessage-ID: <1@x.test>\r\n", "DATE_MISSING")]
    [InlineData(Good + "Date: Fri, 4 Dec 2026 19:00:00 +0000\r\n", "DATE_MULTIPLE")]
    [InlineData("From: a@x.test\r\nDate: yesterday-ish\r\nMessage-ID: <1@x.test>\r\n", "DATE_INVALID")]
    [InlineData("From: a@x.test\r\nDate: Sun, 6 Dec 2026 19:00:00 +0000\r\nMessage-ID: <1@x.test>\r\n", "DATE_IN_FUTURE")]
    [InlineData("From: a@x.test\r\nDate: Sat, 5 Dec 2026 08:00:00 -1200\r\nMessage-ID: <1@x.test>\r\n", "")] // 24 h ahead at most: time zones
    [InlineData("From: a@x.test\r\nDate: Mon, 2 Nov 2026 19:00:00 +0000\r\nMessage-ID: <1@x.test>\r\n", "DATE_IN_PAST")]
    [InlineData("From: a@x.test\r\nDate:\r\n Fri, 4 Dec 2026\r\n 19:00:00 +0000\r\nMessage-ID: <1@x.test>\r\n", "")] // folded
    [InlineData("From: a@x.test\r\nDate: Fri, 4 Dec 2026 19:00:00 +0000\r\n", "MID_MISSING")]
    [InlineData(Good + "Message-ID: <2@x.test>\r\n", "MID_MULTIPLE")]
    [InlineData("From: a@x.test\r\nDate: Fri, 4 Dec 2026 19:00:00 +0000\r\nMessage-ID: 1234\r\n", "MID_INVALID")]
    [InlineData("From: a@x.test\r\nDate: Fri, 4 Dec 2026 19:00:00 +0000\r\nMessage-ID: <no-at-sign>\r\n", "MID_INVALID")]
    [InlineData("From: a@x.test\r\nDate: Fri, 4 Dec 2026 19:00:00 +0000\r\nMessage-ID: <a b@x.test>\r\n", "MID_INVALID")]
    [InlineData("", "FROM_MISSING,DATE_MISSING,MID_MISSING")]
    public void Each_header_fault_is_its_own_symbol(string header, string expected) =>
        Assert.Equal(expected, string.Join(',', Symbols(header)));

    [Fact]
    public void A_from_that_sender_auth_already_found_bad_is_not_counted_twice()
    {
        var judged = new Evidence();
        judged.Add(HeaderRules.DmarcBadFrom, 2, "more than one From field");
        Assert.Equal([HeaderRules.DmarcBadFrom], Symbols("From: b@y.test\r\n" + Good, judged));
        judged = new Evidence();
        judged.Add(HeaderRules.DmarcBadFrom, 2, "no From field");
        Assert.Equal([HeaderRules.DmarcBadFrom, "DATE_MISSING", "MID_MISSING"], Symbols("", judged));
    }
}
