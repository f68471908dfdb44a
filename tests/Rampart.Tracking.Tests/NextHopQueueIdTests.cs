namespace Rampart.Tracking.Tests;

public sealed class NextHopQueueIdTests
{
    [Theory]
    // Postfix, short and long queue ids.
    [InlineData("250 2.0.0 Ok: queued as 4XyZ1B2c3D", "4XyZ1B2c3D")]
    [InlineData("250 2.0.0 Ok: queued as 4fBk3L0qS7z9xTv", "4fBk3L0qS7z9xTv")]
    [InlineData("250 2.0.0 Ok: queued as 3F1A2B4C5D", "3F1A2B4C5D")]
    // Postfix with its message size in the reply (smtpd's default for the end of DATA in recent releases).
    [InlineData("250 2.0.0 Ok: 3110 bytes queued as 707BAB", "707BAB")]
    // Rampart itself as the next hop.
    [InlineData("250 2.0.0 Ok: queued as 01JEXAMPLE0QUEUEID000000", "01JEXAMPLE0QUEUEID000000")]
    // Exchange.
    [InlineData("250 2.6.0 <CAF=abc@mail.example.test> [InternalId=12953621282817, Hostname=EX01.corp.example.test] Queued mail for delivery", "12953621282817")]
    [InlineData("250 2.6.0 <x@y> [InternalId=42] Queued mail for delivery", "42")]
    // Exim.
    [InlineData("250 OK id=1tQyFp-0004Ab-2x", "1tQyFp-0004Ab-2x")]
    [InlineData("250 OK id=1abcDe-000FghIjKl-Mn", "1abcDe-000FghIjKl-Mn")]
    // Sendmail.
    [InlineData("250 2.0.0 4B4BKmZ8012345 Message accepted for delivery", "4B4BKmZ8012345")]
    [InlineData("250 4B4BKmZ8012345 Message accepted for delivery", "4B4BKmZ8012345")]
    public void Each_MTA_family_has_its_queue_id_read(string reply, string expected) => Assert.Equal(expected, NextHopQueueId.Parse(reply));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("250 2.0.0 Ok")]
    [InlineData("250 2.1.5 Ok")]
    [InlineData("451 4.3.0 Error: queue file write error")]
    [InlineData("250 2.0.0 Ok: queued as ")]
    [InlineData("250 2.0.0 Ok: queued as <script>")]
    public void A_reply_without_an_id_has_none(string? reply) => Assert.Null(NextHopQueueId.Parse(reply));

    [Fact]
    public void A_huge_reply_is_not_searched() => Assert.Null(NextHopQueueId.Parse("250 " + new string('a', 100_000) + " queued as ABCDEF1"));
}
