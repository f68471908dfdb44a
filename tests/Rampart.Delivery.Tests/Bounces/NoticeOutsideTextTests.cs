using System.Text;
using MimeKit;
using Rampart.Delivery.Bounces;
using Rampart.Mail;

namespace Rampart.Delivery.Tests.Bounces;

/// <summary>
/// Outside text in a notice (a next hop's reply and host name): no control, bidi or separator character reaches
/// the sender, in the plain and in the international (RFC 6533) form, and no line passes 998 octets.
/// </summary>
public sealed class NoticeOutsideTextTests
{
    private const string Hostile = "550 5.1.1 \u001b[31mred\u202Eresu\u0085on\u2066x\u2028y\u200Fz\U000E0041\u0000end";

    [Theory]
    [InlineData(false, "550 5.1.1 ?[31mred?resu?on?x?y?z??end")]
    [InlineData(true, "550 5.1.1 ?[31mred?resu?on?x?y?z??end")]
    public void Controls_bidi_and_format_characters_become_question_marks(bool international, string expected) =>
        Assert.Equal(expected, DeliveryStatusFields.Clean(Hostile, international));

    [Theory]
    [InlineData("550 5.1.1 line one\r\nX-Injected: yes", "550 5.1.1 line one  X-Injected: yes")]
    [InlineData("550 5.1.1 j\u00f6rg unknown", "550 5.1.1 j\u00f6rg unknown")]
    [InlineData("550 5.1.1 m\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", "550 5.1.1 m\u06cc\u200c\u062e\u0648\u0627\u0647\u0645")]   // ZWNJ stays
    public void International_text_is_kept_and_line_breaks_are_spaces(string reply, string expected) =>
        Assert.Equal(expected, DeliveryStatusFields.Clean(reply, international: true));

    [Fact]
    public void A_long_run_without_spaces_is_cut_within_the_line_limit()
    {
        var clean = DeliveryStatusFields.Clean("550 5.1.1 " + string.Concat(Enumerable.Repeat("\u00e9", 2000)), international: true);
        Assert.StartsWith("550 5.1.1 \u00e9", clean, StringComparison.Ordinal);
        Assert.EndsWith("\u00e9[...]", clean, StringComparison.Ordinal);
        Assert.True(Encoding.UTF8.GetByteCount(clean) <= 10 + DeliveryStatusFields.MaxRunOctets);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_notice_carries_none_of_them_and_no_long_line(bool smtpUtf8)
    {
        var sender = new Sender("alice@example.test", SmtpUtf8: smtpUtf8);
        var reply = Hostile + " " + new string('x', 3000);
        var report = new DeliveryReport("mx.gateway.test", "Q1", sender, DateTimeOffset.UnixEpoch,
            [new ReportedRecipient(new Recipient("bob@example.test"), DsnAction.Failed, "5.1.1", "mx\u202E.example.test",
                new SmtpReply(550, "5.1.1", reply["550 5.1.1 ".Length..]), DateTimeOffset.UnixEpoch)],
            () => new MemoryStream("From: a@example.test\r\nSubject: x\r\n\r\nbody\r\n"u8.ToArray()));

        var bytes = await DsnBuilder.BuildAsync(report, CancellationToken.None);
        var message = MimeMessage.Load(new MemoryStream(bytes));

        foreach (var line in Encoding.UTF8.GetString(bytes).Split("\r\n")) Assert.True(Encoding.UTF8.GetByteCount(line) <= 998, $"a line of {line.Length} characters");
        var parts = Assert.IsType<MultipartReport>(message.Body).Take(2).Cast<MimePart>().Select(Decoded).ToList();
        Assert.Contains("?[31mred?resu?on", parts[0], StringComparison.Ordinal);
        Assert.Contains("Diagnostic-Code: smtp; 550 5.1.1 ?[31mred?resu?on", parts[1], StringComparison.Ordinal);
        Assert.All(parts, text => Assert.DoesNotContain(text, IsUnsafe));
    }

    private static string Decoded(MimePart part)
    {
        using var output = new MemoryStream();
        part.Content!.DecodeTo(output);
        return Encoding.UTF8.GetString(output.ToArray());
    }

    private static bool IsUnsafe(char c) =>
        c is (< ' ' and not '\r' and not '\n') or (>= '\u007f' and <= '\u009f') or '\u061c' or '\u200e' or '\u200f'
            or (>= '\u202a' and <= '\u202e') or (>= '\u2066' and <= '\u2069') or '\u2028' or '\u2029' or '\uDB40';
}
