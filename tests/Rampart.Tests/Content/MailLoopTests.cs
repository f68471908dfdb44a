using Rampart.Testing;
using static Rampart.Testing.SmtpTranscript;

namespace Rampart.Tests.Content;

/// <summary>RFC 5321 §6.3: a message with more Received: fields than the limit is a loop, refused at its end.</summary>
public class MailLoopTests : IAsyncLifetime
{
    private TestGateway gateway = null!;

    public async Task InitializeAsync() => gateway = await TestGateway.StartAsync();

    public async Task DisposeAsync() => await gateway.DisposeAsync();

    private static string Hops(int count, string subject, string body = "hello\r\n") =>
        string.Concat(Enumerable.Range(1, count).Select(i => $"Received: from hop{i}.test by hop{i + 1}.test; Mon, 23 Nov 2026 12:00:00 +0000\r\n"))
        + $"From: a@foreign.test\r\nSubject: {subject}\r\n\r\n{body}";

    private async Task<SmtpTranscript> OpenTransactionAsync(WriteMode mode = WriteMode.Whole)
    {
        var c = await gateway.ConnectAsync(mode: mode);
        await c.HelloAsync();
        await c.EnvelopeAsync("a@foreign.test", "bob@example.test");
        return c;
    }

    private async Task AssertOnlyDeliveredAsync(string subject)
    {
        var file = Assert.Single(await gateway.WaitForDropAsync(1));
        // Once the queue is empty, nothing accepted is still on its way to the drop folder.
        await gateway.WaitForEmptyQueueAsync();
        Assert.Equal(1, gateway.DropCount());
        Assert.Contains($"Subject: {subject}", await File.ReadAllTextAsync(file));
    }

    [Theory]
    [InlineData(WriteMode.Whole)]
    [InlineData(WriteMode.ByLine)]
    [InlineData(WriteMode.ByByte)]
    public async Task Data_with_51_received_fields_is_refused_and_50_pass(WriteMode mode)
    {
        await using var c = await OpenTransactionAsync(mode);
        await c.DataAsync(Hops(51, "looping"), "554 5.4.6 Too many hops (mail loop detected)");
        await c.EnvelopeAsync("a@foreign.test", "bob@example.test");
        await c.DataAsync(Hops(50, "fifty"), "250 2.0.0");
        await AssertOnlyDeliveredAsync("fifty");
    }

    [Fact]
    public async Task Bdat_with_51_received_fields_is_refused_and_50_pass()
    {
        await using var c = await OpenTransactionAsync();
        var looping = Hops(51, "looping");
        await c.SendAsync($"BDAT {looping.Length} LAST\r\n{looping}");
        await c.ExpectAsync("554 5.4.6 Too many hops (mail loop detected)");
        await c.EnvelopeAsync("a@foreign.test", "bob@example.test");
        var fifty = Hops(50, "fifty");
        await c.SendAsync($"BDAT {fifty.Length} LAST\r\n{fifty}");
        await c.ExpectAsync("250 2.0.0");
        await AssertOnlyDeliveredAsync("fifty");
    }

    [Fact]
    public async Task Bdat_counts_across_chunks()
    {
        await using var c = await OpenTransactionAsync();
        var looping = Hops(51, "looping");
        // Cut inside a field name, so that "Rec" and "eived:" arrive in different chunks.
        int cut = looping.IndexOf("Received", 40 * 60, StringComparison.Ordinal) + 3;
        await c.SendAsync($"BDAT {cut}\r\n{looping[..cut]}");
        await c.ExpectAsync("250 2.0.0");
        await c.SendAsync($"BDAT {looping.Length - cut} LAST\r\n{looping[cut..]}");
        await c.ExpectAsync("554 5.4.6");
        await c.CommandAsync("NOOP", "250 2.0.0");
        Assert.True(gateway.QueueIsEmpty);
        Assert.Equal(0, gateway.DropCount());
    }

    [Fact]
    public async Task Received_lines_in_the_body_do_not_count()
    {
        await using var c = await OpenTransactionAsync();
        var body = string.Concat(Enumerable.Repeat("Received: quoted in a forwarded message\r\n", 20));
        await c.DataAsync(Hops(50, "quoted", body), "250 2.0.0");
        await AssertOnlyDeliveredAsync("quoted");
    }

    [Fact]
    public async Task A_folded_received_field_counts_once()
    {
        string Folded(int count) => string.Concat(Enumerable.Range(1, count).Select(i =>
            $"Received: from hop{i}.test\r\n\tby hop{i + 1}.test\r\n Received: continuation text\r\n\t; Mon, 23 Nov 2026 12:00:00 +0000\r\n"));

        await using var c = await OpenTransactionAsync();
        await c.DataAsync(Folded(51) + "From: a@foreign.test\r\nSubject: looping\r\n\r\nx\r\n", "554 5.4.6");
        await c.EnvelopeAsync("a@foreign.test", "bob@example.test");
        await c.DataAsync(Folded(50) + "From: a@foreign.test\r\nSubject: folded\r\n\r\nx\r\n", "250 2.0.0");
        await AssertOnlyDeliveredAsync("folded");
    }
}
