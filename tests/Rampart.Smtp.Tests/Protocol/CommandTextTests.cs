using System.Text;
using Rampart.Mail;
using Rampart.Smtp.Protocol;

namespace Rampart.Smtp.Tests.Protocol;

/// <summary>
/// What the refusal line shows of a command, and the escaping of outside text (Rampart.Mail.LogText, which has no
/// test project of its own; the engine is its first user). The wire-level proof is Rampart.EndToEnd RefusalLogTests.
/// </summary>
public class CommandTextTests
{
    [Theory]
    [InlineData("plain ascii, UTF-8 too: jörg@bücher.test", "plain ascii, UTF-8 too: jörg@bücher.test")]
    [InlineData("a\rb\nc", @"a\x0Db\x0Ac")]
    [InlineData("\u001b[31mred", @"\x1B[31mred")]
    [InlineData("nul\0del\u007f c1\u0085\u009b", @"nul\x00del\x7F c1\x85\x9B")]
    [InlineData("evil\u202Egnp.exe", @"evil\u202Egnp.exe")]
    [InlineData("\u2066\u2067\u2068\u2069\u202A\u202B\u202C\u202D\u200E\u200F\u061C", @"\u2066\u2067\u2068\u2069\u202A\u202B\u202C\u202D\u200E\u200F\u061C")]
    [InlineData("line\u2028para\u2029", @"line\u2028para\u2029")]
    [InlineData("zero\u200Bwidth\uFEFF", @"zero\u200Bwidth\uFEFF")]
    [InlineData(@"typed \x1B by the client", @"typed \\x1B by the client")]
    [InlineData("emoji \U0001F600 stays", "emoji \U0001F600 stays")]
    [InlineData("tag \U000E0041 hidden", @"tag \U000E0041 hidden")]
    public void Outside_text_keeps_no_control_bidi_or_separator(string text, string escaped)
    {
        Assert.Equal(escaped, LogText.Escape(text));
    }

    [Fact]
    public void Nothing_to_escape_returns_the_same_string_and_null_is_empty()
    {
        const string clean = "bob@example.test";
        Assert.Same(clean, LogText.Escape(clean));
        Assert.Equal("", LogText.Escape(null));
    }

    /// <summary>Built at run time: attribute arguments are stored as UTF-8, which cannot hold a lone surrogate.</summary>
    [Fact]
    public void A_lone_surrogate_is_escaped()
    {
        Assert.Equal(@"lone \uD800 surrogate", LogText.Escape("lone " + (char)0xD800 + " surrogate"));
    }

    [Theory]
    [InlineData("MAIL FROM:<\u200F\u061Cevil@x.test> SMTPUTF8", @"MAIL FROM:<\u200F\u061Cevil@x.test>")]
    [InlineData("RCPT TO:<bob@example.test> NOTIFY=NEVER", "RCPT TO:<bob@example.test>")]
    [InlineData("EHLO client.test", "EHLO client.test")]
    [InlineData("BDAT 100 LAST", "BDAT 100 LAST")]
    [InlineData("AUTH PLAIN AGFsaWNlAHNlY3JldA==", "AUTH PLAIN")]
    [InlineData("AUTH YWxpY2U", "AUTH (unknown mechanism)")]
    [InlineData("noop", "NOOP")]
    public void A_parsed_command_shows_its_verb_and_what_was_refused(string line, string shown)
    {
        var command = CommandParser.Parse(Encoding.UTF8.GetBytes(line)).Command!;
        Assert.Equal(shown, CommandText.Describe(command));
    }

    [Theory]
    [InlineData("EHLO bad\u001bname", @"EHLO bad\x1Bname")]
    [InlineData("MAIL FROM:<broken", "MAIL FROM:<broken")]
    [InlineData("AUTH PLAIN AGFsaWNlAHNlY3JldA== extra", "AUTH")]
    [InlineData("XYZZY some secret", "XYZZY")]
    [InlineData("\u001b[2Jwipe", @"\x1B[2Jwipe")]
    public void A_line_that_did_not_parse_shows_no_more_than_it_needs(string line, string shown)
    {
        Assert.Equal(shown, CommandText.DescribeUnparsed(Encoding.UTF8.GetBytes(line)));
    }

    [Fact]
    public void An_overlong_unparsed_line_is_cut()
    {
        var shown = CommandText.DescribeUnparsed(Encoding.ASCII.GetBytes("RCPT TO:<" + new string('a', 1000)));
        Assert.Equal(303, shown.Length);
        Assert.EndsWith("...", shown, StringComparison.Ordinal);
    }
}
