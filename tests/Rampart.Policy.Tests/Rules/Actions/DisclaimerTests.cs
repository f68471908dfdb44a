using System.Text;
using MimeKit;
using Rampart.Policy.Rules.Actions;
using Rampart.Policy.Tests.Attachments;

namespace Rampart.Policy.Tests.Rules.Actions;

/// <summary>
/// The disclaimer writer on the shapes mail really has, each re-parsed with MimeKit: what a reader decodes from every
/// body part is the original and the disclaimer, every other part is the same bytes as before, and the MIME structure
/// and every transfer encoding and charset stay valid.
/// </summary>
public class DisclaimerTests
{
    private const string Text = "Confidential: this message is for its addressees only.";

    static DisclaimerTests() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    private const string Head = "Received: from c.test by mx.rampart.test; Fri, 4 Dec 2026 19:00:00 +0000\r\nFrom: a@example.test\r\nSubject: s\r\nMIME-Version: 1.0\r\n";

    /// <summary>The bytes of <paramref name="s"/> in UTF-8, as a string of Latin-1 characters: the message text below is sent as Latin-1 bytes.</summary>
    private static string Utf8(string s) => Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(s));

    internal static async Task<(DisclaimerResult Result, MimeMessage After, byte[] Bytes)> AppendAsync(string message, string text = Text, string? html = null,
        long maxSize = long.MaxValue, long maxHeaderSize = 256 * 1024)
    {
        var content = new MemoryMessageContent(Encoding.Latin1.GetBytes(message));
        var context = new MessageContext(Samples.Context([]).Session, "Q1", new Mail.Sender("a@example.test"), [new Mail.Recipient("b@far.test")], content)
        {
            MaxMessageSize = maxSize,
            MaxHeaderSize = maxHeaderSize,
        };
        var result = await Disclaimer.AppendAsync(context, text, html, CancellationToken.None);
        return (result, MimeMessage.Load(new MemoryStream(content.Bytes)), content.Bytes);
    }

    /// <summary>What a reader gets from the part: its bytes decoded, in its declared charset.</summary>
    private static string Decoded(MimeEntity entity)
    {
        var part = Assert.IsAssignableFrom<TextPart>(entity);
        using var bytes = new MemoryStream();
        part.Content!.DecodeTo(bytes);
        return Encoding.GetEncoding(part.ContentType.Charset ?? "us-ascii", EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback)
            .GetString(bytes.ToArray());
    }

    private static string WithText(string original) => original + "\r\n" + Text + "\r\n";

    /// <summary>Every line ends with CRLF (RFC 5322 §2.3) and none is longer than 998 octets (§2.1.1).</summary>
    private static void AssertWellFormed(byte[] bytes)
    {
        int line = 0;
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == '\n') Assert.True(i > 0 && bytes[i - 1] == '\r', $"bare LF at {i}");
            if (bytes[i] == '\r') Assert.True(i + 1 < bytes.Length && bytes[i + 1] == '\n', $"bare CR at {i}");
            line = bytes[i] is (byte)'\r' or (byte)'\n' ? 0 : line + 1;
            Assert.True(line <= 998, $"a line longer than 998 octets ends at {i}");
        }
    }

    [Fact]
    public async Task Both_parts_of_an_alternative_get_it_and_stay_valid()
    {
        var (result, after, bytes) = await AppendAsync(Head + "Content-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n" +
            "--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nHello Bob\r\n" +
            "--b1\r\nContent-Type: text/html; charset=us-ascii\r\n\r\n<html><body><p>Hello Bob</p></body></html>\r\n--b1--\r\n");

        Assert.Equal((DisclaimerOutcome.Appended, 2), (result.Outcome, result.PartsChanged));
        var alternative = Assert.IsType<MultipartAlternative>(after.Body);
        Assert.Equal(2, alternative.Count);
        Assert.Equal("Hello Bob\r\n\r\n" + Text + "\r\n", Decoded(alternative[0]));
        Assert.Equal("<html><body><p>Hello Bob</p>\r\n<p>" + Text + "</p>\r\n</body></html>", Decoded(alternative[1]));
        AssertWellFormed(bytes);
        Assert.StartsWith("Received: from c.test by mx.rampart.test;", Encoding.ASCII.GetString(bytes), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_html_given_goes_into_html_parts_and_the_text_escaped_when_none_is()
    {
        var message = Head + "Content-Type: text/html; charset=utf-8\r\n\r\n<html><body>Hi</body></html>\r\n";

        var (_, given, _) = await AppendAsync(message, html: "<p style=\"color:grey\">Confidential</p>");
        var (_, escaped, _) = await AppendAsync(message, text: "Terms & <conditions>\nline two");

        Assert.Equal("<html><body>Hi\r\n<p style=\"color:grey\">Confidential</p>\r\n</body></html>\r\n", Decoded(given.Body!));
        Assert.Equal("<html><body>Hi\r\n<p>Terms &amp; &lt;conditions&gt;<br>\r\nline two</p>\r\n</body></html>\r\n", Decoded(escaped.Body!));
    }

    /// <summary>One text part of each common encoding and charset: what a reader decodes is the original and the disclaimer.</summary>
    [Theory]
    // plain 7bit ASCII, no charset, no transfer encoding
    [InlineData("Content-Type: text/plain\r\n", "Hello\r\n", "Hello\r\n", "7bit")]
    // no Content-Type at all (RFC 2045 §5.2: text/plain; charset=us-ascii)
    [InlineData("", "Hello\r\n", "Hello\r\n", "7bit")]
    // base64 UTF-8
    [InlineData("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n", "SGVsbG8gY2Fmw6kNCg==\r\n", "Hello caf\u00e9\r\n", "base64")]
    // quoted-printable ISO-8859-1
    [InlineData("Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n", "caf=E9 =\r\nsoft\r\n", "caf\u00e9 soft\r\n", "quoted-printable")]
    // 8bit UTF-8
    [InlineData("Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n", "caf\u00c3\u00a9\r\n", "caf\u00e9\r\n", "8bit")]
    // 8bit Windows-1252: the euro sign is 0x80
    [InlineData("Content-Type: text/plain; charset=windows-1252\r\nContent-Transfer-Encoding: 8bit\r\n", "5 \u0080\r\n", "5 \u20ac\r\n", "8bit")]
    // 8-bit UTF-8 with no declaration at all
    [InlineData("Content-Type: text/plain\r\n", "caf\u00c3\u00a9\r\n", "caf\u00e9\r\n", "quoted-printable")]
    // 8-bit that is not UTF-8, undeclared: read as windows-1252, as mail readers do
    [InlineData("", "caf\u00e9 \u0080\r\n", "caf\u00e9 \u20ac\r\n", "quoted-printable")]
    public async Task A_text_part_decodes_to_the_original_and_the_disclaimer(string headers, string body, string original, string encoding)
    {
        var (result, after, bytes) = await AppendAsync(Head + headers + "\r\n" + body);

        Assert.Equal(DisclaimerOutcome.Appended, result.Outcome);
        Assert.Equal(WithText(original), Decoded(after.Body!));
        Assert.Equal(encoding, ((MimePart)after.Body!).ContentTransferEncoding switch
        {
            ContentEncoding.Default or ContentEncoding.SevenBit => "7bit",
            ContentEncoding.EightBit => "8bit",
            ContentEncoding.Base64 => "base64",
            ContentEncoding.QuotedPrintable => "quoted-printable",
            var other => other.ToString(),
        });
        AssertWellFormed(bytes);
    }

    [Theory]
    [InlineData("iso-8859-1", "caf\u00e9")]
    [InlineData("windows-1252", "caf\u00e9")]
    [InlineData("us-ascii", "cafe")]
    public async Task A_disclaimer_the_parts_charset_cannot_hold_turns_the_part_to_utf8(string charset, string original)
    {
        const string Disclaimer = "Vertraulich \u2013 nur f\u00fcr die Empf\u00e4nger. \u79d8\u5bc6";
        var (result, after, bytes) = await AppendAsync(Head + $"Content-Type: text/plain; charset={charset}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
            original + "\r\n", Disclaimer);

        Assert.Equal(DisclaimerOutcome.Appended, result.Outcome);
        Assert.Equal("utf-8", after.Body!.ContentType.Charset);
        Assert.Equal(original + "\r\n\r\n" + Disclaimer + "\r\n", Decoded(after.Body!));
        AssertWellFormed(bytes);
    }

    [Fact]
    public async Task An_ascii_disclaimer_keeps_a_latin1_part_in_its_charset_byte_for_byte()
    {
        var (_, after, bytes) = await AppendAsync(Head + "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\ncaf\u00e9\r\n");

        Assert.Equal("iso-8859-1", after.Body!.ContentType.Charset);
        Assert.Contains("caf\u00e9\r\n\r\n" + Text, Encoding.Latin1.GetString(bytes), StringComparison.Ordinal);
    }

    private const string Pdf = "Content-Type: application/pdf; name=\"q3.pdf\"\r\nContent-Disposition: attachment; filename=\"q3.pdf\"\r\n" +
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjcKJSVFT0YK\r\nJVBERi0xLjcKJSVFT0YK\r\n";

    [Fact]
    public async Task In_a_mixed_message_the_body_gets_it_and_the_attachments_stay_byte_for_byte()
    {
        const string TextAttachment = "Content-Type: text/plain; name=\"notes.txt\"\r\nContent-Disposition: inline; filename=\"notes.txt\"\r\n\r\nmy notes\r\n";
        var (result, after, bytes) = await AppendAsync(Head + "Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\npreamble\r\n" +
            "--m\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n--m\r\n" + Pdf + "--m\r\n" + TextAttachment + "--m--\r\nepilogue\r\n");

        Assert.Equal((DisclaimerOutcome.Appended, 1), (result.Outcome, result.PartsChanged));
        var mixed = Assert.IsType<Multipart>(after.Body);
        Assert.Equal(3, mixed.Count);
        Assert.Equal(WithText("See attached.\r\n"), Decoded(mixed[0]));
        var written = Encoding.Latin1.GetString(bytes);
        Assert.Contains("--m\r\n" + Pdf + "--m\r\n" + TextAttachment + "--m--", written, StringComparison.Ordinal);
        Assert.Contains("preamble", written, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_split_around_an_inline_image_gets_it_after_its_last_piece_and_a_list_footer_is_passed_by()
    {
        const string Image = "Content-Type: image/jpeg; name=\"p.jpg\"\r\nContent-Disposition: inline; filename=\"p.jpg\"\r\nContent-Transfer-Encoding: base64\r\n\r\n/9j/4AAQ\r\n";
        var (split, splitAfter, _) = await AppendAsync(Head + "Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\n" +
            "--m\r\nContent-Type: text/plain\r\n\r\nLook:\r\n--m\r\n" + Image + "--m\r\nContent-Type: text/plain\r\n\r\nNice, no?\r\n--m--\r\n");
        var (footer, footerAfter, _) = await AppendAsync(Head + "Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\n" +
            "--m\r\nContent-Type: multipart/alternative; boundary=\"a\"\r\n\r\n--a\r\nContent-Type: text/plain\r\n\r\nHi\r\n" +
            "--a\r\nContent-Type: text/html\r\n\r\n<p>Hi</p>\r\n--a--\r\n--m\r\nContent-Type: text/plain\r\n\r\n-- list footer\r\n--m--\r\n");

        var parts = (Multipart)splitAfter.Body!;
        Assert.Equal((1, "Look:"), (split.PartsChanged, Decoded(parts[0])));
        Assert.Equal(WithText("Nice, no?\r\n"), Decoded(parts[2]));
        var list = (Multipart)footerAfter.Body!;
        Assert.Equal(2, footer.PartsChanged);
        Assert.Equal("-- list footer", Decoded(list[1]));
    }

    [Fact]
    public async Task A_format_flowed_part_gets_fixed_space_stuffed_lines()
    {
        var (_, after, _) = await AppendAsync(Head + "Content-Type: text/plain; charset=utf-8; format=flowed\r\n\r\nA long line that \r\nflows on.\r\n",
            text: "> not a quote  \nFrom the legal team \nplain");

        Assert.Equal("A long line that \r\nflows on.\r\n\r\n > not a quote\r\n From the legal team\r\nplain\r\n", Decoded(after.Body!));
        // MimeKit's own reading of the flowed text: the first two lines joined, the disclaimer's lines kept apart.
        Assert.Equal("A long line that flows on.\n\n> not a quote\nFrom the legal team\nplain\n",
            new MimeKit.Text.FlowedToText().Convert(((TextPart)after.Body!).Text));
    }

    [Fact]
    public async Task An_attached_message_is_someone_elses_and_is_not_touched()
    {
        const string Inner = "Content-Type: message/rfc822\r\n\r\nFrom: c@far.test\r\nSubject: fwd\r\nContent-Type: multipart/alternative; boundary=\"i\"\r\n\r\n" +
            "--i\r\nContent-Type: text/plain\r\n\r\ninner text\r\n--i\r\nContent-Type: text/html\r\n\r\n<body>inner</body>\r\n--i--\r\n";
        var (result, after, bytes) = await AppendAsync(Head + "Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\n" +
            "--m\r\nContent-Type: text/plain\r\n\r\nForwarded below.\r\n--m\r\n" + Inner + "--m--\r\n");

        Assert.Equal((DisclaimerOutcome.Appended, 1), (result.Outcome, result.PartsChanged));
        Assert.Contains(Inner + "--m--", Encoding.Latin1.GetString(bytes), StringComparison.Ordinal);
        Assert.Single(Regex(Encoding.Latin1.GetString(bytes), Text));
        Assert.Equal(2, ((Multipart)after.Body!).Count);
    }

    private static IEnumerable<int> Regex(string s, string what)
    {
        for (int at = s.IndexOf(what, StringComparison.Ordinal); at >= 0; at = s.IndexOf(what, at + 1, StringComparison.Ordinal)) yield return at;
    }

    [Fact]
    public async Task Related_html_gets_it_before_its_end_and_its_image_stays()
    {
        const string Image = "Content-Type: image/png\r\nContent-ID: <logo@x>\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n";
        var (result, after, bytes) = await AppendAsync(Head + "Content-Type: multipart/alternative; boundary=\"a\"\r\n\r\n" +
            "--a\r\nContent-Type: text/plain\r\n\r\nHi\r\n--a\r\nContent-Type: multipart/related; boundary=\"r\"\r\n\r\n" +
            "--r\r\nContent-Type: text/html\r\n\r\n<body>Hi <img src=\"cid:logo@x\"></body>\r\n--r\r\n" + Image + "--r--\r\n--a--\r\n");

        Assert.Equal(2, result.PartsChanged);
        Assert.Contains("<p>" + Text + "</p>\r\n</body>", after.HtmlBody!.ReplaceLineEndings("\r\n"), StringComparison.Ordinal);
        Assert.Contains("--r\r\n" + Image + "--r--", Encoding.Latin1.GetString(bytes), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"s\"",
        "--s\r\nContent-Type: text/plain\r\n\r\nsigned text\r\n--s\r\nContent-Type: application/pkcs7-signature\r\n\r\nMIAGCSqGSIb3DQEHAqCAMIACAQE=\r\n--s--\r\n")]
    [InlineData("multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"e\"",
        "--e\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n--e\r\nContent-Type: application/octet-stream\r\n\r\n-----BEGIN PGP MESSAGE-----\r\nx\r\n-----END PGP MESSAGE-----\r\n--e--\r\n")]
    [InlineData("application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m", "MIAGCSqGSIb3DQEHA6CAMIACAQA=\r\n")]
    [InlineData("application/x-pkcs7-mime; smime-type=signed-data; name=smime.p7m", "MIAGCSqGSIb3DQEHAqCAMIACAQE=\r\n")]
    public async Task A_signed_or_encrypted_message_is_left_exactly_as_it_was(string type, string body)
    {
        var message = Head + $"Content-Type: {type}\r\n\r\n" + body;

        var (result, _, bytes) = await AppendAsync(message);

        Assert.Equal((DisclaimerOutcome.Sealed, false), (result.Outcome, result.Changed));
        Assert.Equal(message, Encoding.Latin1.GetString(bytes));
    }

    [Fact]
    public async Task Inline_PGP_and_bytes_that_are_not_the_declared_charset_are_left_alone()
    {
        var pgp = Head + "Content-Type: text/plain\r\n\r\n-----BEGIN PGP SIGNED MESSAGE-----\r\nHash: SHA256\r\n\r\nhi\r\n-----BEGIN PGP SIGNATURE-----\r\nx\r\n-----END PGP SIGNATURE-----\r\n";
        var broken = Head + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\ncaf\u00e9 is not UTF-8\r\n";
        var unknown = Head + "Content-Type: text/plain; charset=x-made-up\r\n\r\nhi\r\n";

        foreach (var message in new[] { pgp, broken, unknown })
        {
            var (result, _, bytes) = await AppendAsync(message);
            Assert.Equal((DisclaimerOutcome.NoBodyText, 1), (result.Outcome, result.PartsLeft));
            Assert.Equal(message, Encoding.Latin1.GetString(bytes));
        }
    }

    [Fact]
    public async Task A_lone_attachment_is_wrapped_with_the_disclaimer_first_and_itself_unchanged()
    {
        var (result, after, bytes) = await AppendAsync(Head + Pdf);

        Assert.Equal(DisclaimerOutcome.Appended, result.Outcome);
        var mixed = Assert.IsType<Multipart>(after.Body);
        Assert.Equal("mixed", mixed.ContentType.MediaSubtype);
        Assert.Equal(Text, Decoded(mixed[0]).TrimEnd());
        Assert.Equal("q3.pdf", ((MimePart)mixed[1]).FileName);
        Assert.Contains("JVBERi0xLjcKJSVFT0YK\r\nJVBERi0xLjcKJSVFT0YK\r\n", Encoding.Latin1.GetString(bytes), StringComparison.Ordinal);
        var header = Encoding.Latin1.GetString(bytes)[..Encoding.Latin1.GetString(bytes).IndexOf("\r\n\r\n", StringComparison.Ordinal)];
        var types = header.Split("\r\n").Where(l => l.StartsWith("Content-Type:", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.StartsWith("Content-Type: multipart/mixed", Assert.Single(types), StringComparison.Ordinal);
        Assert.DoesNotContain("Content-Disposition", header, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_lone_calendar_part_and_a_report_are_left_for_the_programs_that_read_them()
    {
        var calendar = Head + "Content-Type: text/calendar; method=REQUEST\r\n\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n";
        var report = Head + "Content-Type: multipart/report; report-type=delivery-status; boundary=\"d\"\r\n\r\n--d\r\nContent-Type: text/plain\r\n\r\nfailed\r\n" +
            "--d\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; x\r\n--d--\r\n";

        foreach (var message in new[] { calendar, report })
        {
            var (result, _, bytes) = await AppendAsync(message);
            Assert.Equal(DisclaimerOutcome.NoBodyText, result.Outcome);
            Assert.Equal(message, Encoding.Latin1.GetString(bytes));
        }
    }

    [Fact]
    public async Task A_message_the_disclaimer_would_take_past_the_listeners_size_is_left_and_said_so()
    {
        var message = Head + "Content-Type: text/plain\r\n\r\n" + new string('x', 500) + "\r\n";

        var (result, _, bytes) = await AppendAsync(message, maxSize: message.Length + 20);
        var (fits, _, _) = await AppendAsync(message, maxSize: message.Length + 200);

        Assert.Equal(DisclaimerOutcome.TooLarge, result.Outcome);
        Assert.Contains("max_message_size", result.Detail, StringComparison.Ordinal);
        Assert.Equal(message, Encoding.Latin1.GetString(bytes));
        Assert.Equal(DisclaimerOutcome.Appended, fits.Outcome);
    }

    [Fact]
    public async Task A_missing_closing_boundary_still_gives_a_valid_message()
    {
        var (result, after, bytes) = await AppendAsync(Head + "Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\n" +
            "--m\r\nContent-Type: text/plain\r\n\r\nno end\r\n--m\r\n" + Pdf);

        Assert.Equal(DisclaimerOutcome.Appended, result.Outcome);
        var mixed = Assert.IsType<Multipart>(after.Body);
        Assert.Equal(WithText("no end\r\n"), Decoded(mixed[0]));
        Assert.Equal("q3.pdf", ((MimePart)mixed[1]).FileName);
        AssertWellFormed(bytes);
    }

    [Fact]
    public async Task A_megabyte_on_one_line_becomes_quoted_printable_with_short_lines()
    {
        var line = new string('a', 1024 * 1024);

        var (result, after, bytes) = await AppendAsync(Head + "Content-Type: text/plain\r\n\r\n" + line + "\r\n");

        Assert.Equal(DisclaimerOutcome.Appended, result.Outcome);
        Assert.Equal(ContentEncoding.QuotedPrintable, ((MimePart)after.Body!).ContentTransferEncoding);
        Assert.Equal(WithText(line + "\r\n"), Decoded(after.Body!));
        AssertWellFormed(bytes);
    }

    [Fact]
    public async Task Html_hiding_closing_tags_in_comments_scripts_and_repeats_gets_it_at_the_real_end()
    {
        const string Html = "<html><body><!-- </body> --><script>var t = '</body>';</script>one</body>two</body><!-- </body> --></html>";

        var (_, after, _) = await AppendAsync(Head + "Content-Type: text/html; charset=utf-8\r\n\r\n" + Html + "\r\n");

        Assert.Equal(Html.Replace("two</body>", "two\r\n<p>" + Text + "</p>\r\n</body>") + "\r\n", Decoded(after.Body!));
    }

    [Fact]
    public async Task A_body_nested_twenty_deep_still_gets_it()
    {
        var message = new StringBuilder(Head);
        for (int i = 0; i < 20; i++) message.Append($"Content-Type: multipart/mixed; boundary=\"n{i}\"\r\n\r\n--n{i}\r\n");
        message.Append("Content-Type: text/plain\r\n\r\ndeep\r\n");
        for (int i = 19; i >= 0; i--) message.Append($"--n{i}--\r\n");

        var (result, after, bytes) = await AppendAsync(message.ToString());

        Assert.Equal((DisclaimerOutcome.Appended, 1), (result.Outcome, result.PartsChanged));
        Assert.Contains("deep\n\n" + Text, after.TextBody, StringComparison.Ordinal);
        AssertWellFormed(bytes);
    }

    [Fact]
    public async Task Deep_nesting_ends_and_only_the_body_within_the_parse_depth_is_changed()
    {
        var message = new StringBuilder(Head);
        for (int i = 0; i < 60; i++) message.Append($"Content-Type: multipart/mixed; boundary=\"n{i}\"\r\n\r\n--n{i}\r\n");
        message.Append("Content-Type: text/plain\r\n\r\ndeep\r\n");
        for (int i = 59; i >= 0; i--) message.Append($"--n{i}--\r\n");

        var (result, after, bytes) = await AppendAsync(message.ToString());

        // Past MessageContext.MaxMimeDepth MimeKit keeps the rest as one opaque part: no text body is found there, and nothing breaks.
        Assert.Equal(DisclaimerOutcome.NoBodyText, result.Outcome);
        Assert.Equal(message.ToString(), Encoding.Latin1.GetString(bytes));
        Assert.NotNull(after.Body);
    }
}
