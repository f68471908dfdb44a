using System.Text;
using MimeKit;
using Rampart.Policy.Rules.Actions;
using Rampart.Policy.Tests.Attachments;

namespace Rampart.Policy.Tests.Rules.Actions;

/// <summary>The disclaimer writer on the common shapes; re-parsed with MimeKit to check what a reader gets.</summary>
public class DisclaimerTests
{
    private const string Text = "Confidential: this message is for its addressees only.";

    private static async Task<(DisclaimerResult Result, MimeMessage After, byte[] Bytes)> AppendAsync(string message, string text = Text, string? html = null,
        long maxSize = long.MaxValue)
    {
        var content = new MemoryMessageContent(Encoding.Latin1.GetBytes(message));
        var context = new MessageContext(Samples.Context([]).Session, "Q1", new Mail.Sender("a@example.test"), [new Mail.Recipient("b@far.test")], content)
        {
            MaxMessageSize = maxSize,
        };
        var result = await Disclaimer.AppendAsync(context, text, html, CancellationToken.None);
        return (result, MimeMessage.Load(new MemoryStream(content.Bytes)), content.Bytes);
    }

    /// <summary>MimeKit's Text gives lines ended with LF; on the wire every line must end with CRLF (RFC 5322 §2.3).</summary>
    private static void AssertCrlfOnly(byte[] bytes)
    {
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == '\n') Assert.True(i > 0 && bytes[i - 1] == '\r', $"bare LF at {i}");
            if (bytes[i] == '\r') Assert.True(i + 1 < bytes.Length && bytes[i + 1] == '\n', $"bare CR at {i}");
        }
    }

    [Fact]
    public async Task Both_parts_of_an_alternative_get_it_and_stay_valid()
    {
        var (result, after, bytes) = await AppendAsync(
            "From: a@example.test\r\nSubject: s\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n" +
            "--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nHello Bob\r\n" +
            "--b1\r\nContent-Type: text/html; charset=us-ascii\r\n\r\n<html><body><p>Hello Bob</p></body></html>\r\n--b1--\r\n");

        Assert.Equal((DisclaimerOutcome.Appended, 2), (result.Outcome, result.PartsChanged));
        var alternative = Assert.IsType<MultipartAlternative>(after.Body);
        Assert.Equal(2, alternative.Count);
        Assert.Equal("Hello Bob\n\n" + Text + "\n", after.TextBody);
        Assert.Equal("<html><body><p>Hello Bob</p>\n<p>" + Text + "</p>\n</body></html>", after.HtmlBody);
        AssertCrlfOnly(bytes);
    }
}
