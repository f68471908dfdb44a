using System.Text;
using MimeKit;
using Rampart.Policy.Rules.Actions;

namespace Rampart.Policy.Tests.Rules.Actions;

/// <summary>
/// The disclaimer writer where a part's own HTML names its charset, where a signature separator meets format=flowed,
/// and where a body part's header section is past limits.max_header_size.
/// </summary>
public class DisclaimerBoundsTests
{
    private const string Text = "Confidential: this message is for its addressees only.";

    private const string Head = "From: a@example.test\r\nSubject: s\r\nMIME-Version: 1.0\r\n";

    static DisclaimerBoundsTests() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    private static string Decoded(MimeEntity entity)
    {
        var part = Assert.IsAssignableFrom<TextPart>(entity);
        using var bytes = new MemoryStream();
        part.Content!.DecodeTo(bytes);
        return Encoding.GetEncoding(part.ContentType.Charset ?? "us-ascii", EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback)
            .GetString(bytes.ToArray());
    }

    [Theory]
    [InlineData("shift_jis", "<meta charset=\"Shift_JIS\">", "8bit")]
    [InlineData("iso-2022-jp", "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-2022-jp\">", "7bit")]
    [InlineData("euc-jp", "<META CONTENT='text/html; charset=EUC-JP' HTTP-EQUIV=content-type>", "8bit")]
    public async Task Html_labelled_only_by_its_meta_is_read_and_written_in_that_charset(string charset, string meta, string transfer)
    {
        const string Japanese = "\u3053\u3093\u306b\u3061\u306f\u3001\u4e16\u754c";
        var html = $"<html><head>{meta}</head><body><p>{Japanese}</p></body></html>\r\n";
        var bytes = Encoding.GetEncoding(charset).GetBytes(html);
        var message = Head + $"Content-Type: text/html\r\nContent-Transfer-Encoding: {transfer}\r\n\r\n" + Encoding.Latin1.GetString(bytes);

        var (result, after, _) = await DisclaimerTests.AppendAsync(message);

        Assert.Equal(DisclaimerOutcome.Appended, result.Outcome);
        Assert.Equal(charset, after.Body!.ContentType.Charset, ignoreCase: true);
        var text = Decoded(after.Body);
        Assert.Contains($"<p>{Japanese}</p>", text, StringComparison.Ordinal);
        Assert.True(text.IndexOf(Text, StringComparison.Ordinal) is var at && at > text.IndexOf(Japanese, StringComparison.Ordinal)
            && at < text.IndexOf("</body>", StringComparison.Ordinal), text);
    }

    [Fact]
    public async Task A_meta_charset_the_bytes_are_not_in_falls_back_to_the_guess()
    {
        // Windows-1252 bytes labelled UTF-8 in the HTML: not UTF-8, so read as windows-1252 and said so.
        var message = Head + "Content-Type: text/html\r\nContent-Transfer-Encoding: 8bit\r\n\r\n<meta charset=utf-8><body>Caf\u00e9</body>\r\n";

        var (result, after, _) = await DisclaimerTests.AppendAsync(message);

        Assert.Equal(DisclaimerOutcome.Appended, result.Outcome);
        Assert.Equal("windows-1252", after.Body!.ContentType.Charset);
        Assert.StartsWith("<meta charset=utf-8><body>Caf\u00e9\r\n<p>" + Text, Decoded(after.Body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signature_separator_keeps_its_space_in_a_flowed_part()
    {
        var (_, after, _) = await DisclaimerTests.AppendAsync(Head + "Content-Type: text/plain; charset=utf-8; format=flowed\r\n\r\nHello.\r\n",
            text: "-- \r\nLegal  \r\n--  \r\n--");

        // RFC 3676 §4.3: "-- " is the separator and keeps its space; the others are fixed lines without trailing spaces.
        Assert.Equal("Hello.\r\n\r\n-- \r\nLegal\r\n-- \r\n--\r\n", Decoded(after.Body!));
        // (MimeKit's FlowedToText does not apply §4.3 and would join "-- " to the next line, so it is no judge here.)
    }

    [Fact]
    public async Task A_body_part_whose_header_section_is_past_the_limit_is_not_read_and_the_message_is_kept()
    {
        // 64 KiB of tiny fields in a body part's header section, under a 16 KiB limit: MimeKit would hold it all.
        var fields = string.Concat(Enumerable.Repeat("X-F: a\r\n", 8 * 1024));
        var message = Head + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n" + fields
            + "Content-Type: text/plain; charset=us-ascii\r\n\r\nHello.\r\n--b--\r\n";

        var (result, _, bytes) = await DisclaimerTests.AppendAsync(message, maxHeaderSize: 16 * 1024);

        Assert.Equal(DisclaimerOutcome.Unreadable, result.Outcome);
        Assert.Contains("header section", result.Detail, StringComparison.Ordinal);
        Assert.Equal(message, Encoding.Latin1.GetString(bytes));

        // The same message under a limit it fits gets the disclaimer.
        var (fits, after, _) = await DisclaimerTests.AppendAsync(message, maxHeaderSize: 128 * 1024);
        Assert.Equal(DisclaimerOutcome.Appended, fits.Outcome);
        Assert.Equal("Hello.\r\n\r\n" + Text + "\r\n", Decoded(((Multipart)after.Body!)[0]));
    }
}
