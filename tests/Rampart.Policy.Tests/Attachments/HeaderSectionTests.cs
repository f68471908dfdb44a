using System.Text;
using Rampart.Policy.Attachments;
using Rampart.Testing;

namespace Rampart.Policy.Tests.Attachments;

/// <summary>
/// Header sections inside the MIME structure are capped like the message's own: MimeKit reads each one whole into
/// memory. The structure is followed as MimeKit follows it, so that every section it reads is measured, and long
/// runs of body lines are not mistaken for headers.
/// </summary>
public class HeaderSectionTests
{
    private const int Limit = 4096;

    private static readonly AttachmentOptions Options = new() { MaxHeaderSize = Limit };

    /// <summary>Tiny fields, the most header objects per byte for the parser, up to about <paramref name="bytes"/>.</summary>
    private static string Fields(int bytes)
    {
        var text = new StringBuilder();
        for (var i = 0; text.Length < bytes; i++) text.Append($"X-H{i}: v\r\n");
        return text.ToString();
    }

    private const string Top = "From: a@foreign.test\r\nTo: b@example.test\r\nSubject: s\r\nMIME-Version: 1.0\r\n";

    private static string Mixed(params string[] parts) =>
        Top + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\npreamble\r\n"
        + string.Concat(parts.Select(p => "--b\r\n" + p + "\r\n")) + "--b--\r\n";

    private static async Task<string?> RefusalAsync(string message, int readSize = 0)
    {
        var bytes = Encoding.UTF8.GetBytes(message);
        Stream stream = readSize > 0 ? new TrickleStream(bytes, readSize) : new MemoryStream(bytes, writable: false);
        var report = await AttachmentInspector.InspectAsync(stream, Options, CancellationToken.None);
        // Other findings (a base64 message/rfc822 is "nesting too deep" to the walker) are not this check's.
        return report.Findings.FirstOrDefault(f => f.Kind == FindingKind.Malformed && f.Reason.Contains("header section", StringComparison.Ordinal))?.Reason;
    }

    public static TheoryData<string, string> OverLong => new()
    {
        { Mixed("Content-Type: text/plain\r\n" + Fields(Limit) + "\r\nhello"), "a body part's header section is larger than 4 KiB" },
        // One field folded over many lines is one header object, but MimeKit holds it whole all the same.
        { Mixed("Content-Type: text/plain;\r\n" + string.Concat(Enumerable.Repeat("\tx=y;\r\n", Limit / 6)) + "\r\nhello"), "a body part's header section is larger than 4 KiB" },
        // Lines that are not fields stay in the section until its empty line, as MimeKit reads it.
        { Mixed("Content-Type: text/plain\r\n" + string.Concat(Enumerable.Repeat("not a field at all\r\n", Limit / 18)) + "\r\nhello"), "a body part's header section is larger than 4 KiB" },
        { Mixed("Content-Type: message/rfc822\r\n\r\n" + Fields(Limit) + "\r\nbody"), "an attached message's header section is larger than 4 KiB" },
        // In a digest a part with no Content-Type is a message (RFC 2046 §5.1.5).
        { Top + "Content-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\n" + Fields(Limit) + "\r\nbody\r\n--d--\r\n", "an attached message's header section is larger than 4 KiB" },
        // Nested: the inner multipart's part, then the outer's next part once the inner one is closed.
        { Mixed("Content-Type: multipart/alternative; boundary=\"in\"\r\n\r\n--in\r\n" + Fields(Limit) + "\r\nx\r\n--in--"), "a body part's header section is larger than 4 KiB" },
        { Mixed("Content-Type: multipart/alternative; boundary=\"in\"\r\n\r\n--in\r\n\r\nx\r\n--in--", Fields(Limit) + "\r\nx"), "a body part's header section is larger than 4 KiB" },
        // An outer boundary closes the inner multipart without its end line (MimeKit does the same).
        { Mixed("Content-Type: multipart/alternative; boundary=\"in\"\r\n\r\n--in\r\n\r\nx", Fields(Limit) + "\r\nx"), "a body part's header section is larger than 4 KiB" },
        // A boundary line may end in any amount of white space, more than the scanner keeps of the line.
        { Top + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b" + new string(' ', 3000) + "\r\n" + Fields(Limit) + "\r\nx\r\n--b--\r\n", "a body part's header section is larger than 4 KiB" },
        // The message's own section, when no framer capped it (a message file given to the inspector).
        { Top + Fields(Limit) + "\r\nbody\r\n", "the message's header section is larger than 4 KiB" },
    };

    [Theory]
    [MemberData(nameof(OverLong))]
    public async Task An_over_long_header_section_is_malformed(string message, string reason) => Assert.Equal(reason, await RefusalAsync(message));

    [Theory]
    [MemberData(nameof(OverLong))]
    public async Task The_same_read_in_small_pieces(string message, string reason)
    {
        Assert.Equal(reason, await RefusalAsync(message, readSize: 1));
        Assert.Equal(reason, await RefusalAsync(message, readSize: 7));
    }

    public static TheoryData<string> NotHeaders => new()
    {
        Mixed("Content-Type: text/plain\r\n" + Fields(Limit - 200) + "\r\nhello"),
        Mixed("Content-Type: message/rfc822\r\n\r\n" + Fields(Limit - 200) + "\r\nbody"),
        // Long runs of body lines without an empty line: base64, indented text, a signature separator, lines that
        // start like a boundary but are not one, a long preamble and epilogue.
        Mixed("Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" + string.Concat(Enumerable.Repeat(new string('A', 76) + "\r\n", 2000)).TrimEnd()),
        Mixed("Content-Type: text/plain\r\n\r\n" + string.Concat(Enumerable.Repeat("    indented: code\r\n", 1000)) + "-- \r\n" + string.Concat(Enumerable.Repeat("Name: value\r\n", 1000)).TrimEnd()),
        Mixed("Content-Type: text/plain\r\n\r\n--bx\r\n" + Fields(Limit * 2) + "--b-\r\n" + Fields(Limit * 2) + "--b --\r\n" + Fields(Limit * 2)),
        Top + "Content-Type: multipart/mixed; boundary=b\r\n\r\n" + Fields(Limit * 2) + "--b\r\n\r\nx\r\n--b--\r\n" + Fields(Limit * 2),
        // An attached message sent base64 is a leaf to MimeKit: its bytes are not headers.
        Mixed("Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n" + string.Concat(Enumerable.Repeat(new string('A', 76) + "\r\n", 2000)).TrimEnd()),
        // Not multipart: nothing after the message's header section can open another.
        Top + "Content-Type: text/plain\r\n\r\n--b\r\n" + Fields(Limit * 2),
    };

    [Theory]
    [MemberData(nameof(NotHeaders))]
    public async Task Sections_under_the_limit_and_body_lines_pass(string message)
    {
        Assert.Null(await RefusalAsync(message));
        Assert.Null(await RefusalAsync(message, readSize: 3));
    }

    [Fact]
    public async Task The_filter_refuses_as_malformed_with_a_clear_reply()
    {
        var message = Encoding.UTF8.GetBytes(Mixed("Content-Type: text/plain\r\n" + Fields(Limit) + "\r\nhello"));
        var context = Samples.Context(message);

        var verdict = await new AttachmentFilter(Options).OnMessageAsync(context, CancellationToken.None);

        var reject = Assert.IsType<Verdict.Reject>(verdict);
        Assert.Equal("554 5.7.1 Attachment \"message\" refused: a body part's header section is larger than 4 KiB", reject.Reply.ToString());
    }

    [Fact]
    public async Task The_malformed_action_applies()
    {
        var message = Encoding.UTF8.GetBytes(Mixed("Content-Type: text/plain\r\n" + Fields(Limit) + "\r\nhello"));

        var verdict = await new AttachmentFilter(Options with { MalformedAction = AttachmentAction.Quarantine }).OnMessageAsync(Samples.Context(message), CancellationToken.None);

        Assert.IsType<Verdict.Quarantine>(verdict);
    }
}
