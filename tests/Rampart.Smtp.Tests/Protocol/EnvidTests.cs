using System.Text;
using Rampart.Smtp.Protocol;

namespace Rampart.Smtp.Tests.Protocol;

/// <summary>
/// MAIL's ENVID (RFC 3461 §4.4): xtext whose decoded value is 1-100 printable US-ASCII characters (graphic and
/// space). "+HH" names one octet, so anything that decodes outside 0x20-0x7E is refused rather than kept as Latin-1.
/// </summary>
public class EnvidTests
{
    private static ParseResult Parse(string line) => CommandParser.Parse(Encoding.UTF8.GetBytes(line));

    [Theory]
    [InlineData("QQ314159", "QQ314159")]
    [InlineData("a+2Bb", "a+b")]
    [InlineData("a+3Db", "a=b")]
    [InlineData("two+20words", "two words")]
    [InlineData("+7E", "~")]
    public void Keeps_the_decoded_value(string envid, string kept)
    {
        var mail = Assert.IsType<SmtpCommand.Mail>(Parse($"MAIL FROM:<a@b.test> ENVID={envid}").Command);
        Assert.Equal(kept, mail.Sender.EnvelopeId);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a=b")]                   // '=' is not xtext
    [InlineData("a+2b")]                  // hex digits are upper case
    [InlineData("a+0D+0AX-Injected:+20yes")]
    [InlineData("a+09b")]                 // TAB is white space but not SP
    [InlineData("a+7F")]                  // DEL
    [InlineData("j+C3+B6rg")]             // 8-bit octets: would become "Ã¶", a different id
    [InlineData("a+80")]
    [InlineData("a+FF")]
    [InlineData("jörg")]
    public void Refuses_values_that_are_not_printable_US_ASCII(string envid)
    {
        var result = Parse($"MAIL FROM:<a@b.test> ENVID={envid}");
        Assert.Null(result.Command);
        Assert.Equal(CommandError.EnvidSyntax, result.Error);
        var reply = Replies.For(result.Error);
        Assert.Equal(501, reply.Code);
        Assert.Equal("5.5.4", reply.Status?.ToString());
        Assert.Contains("ENVID", string.Join(" ", reply.Lines), StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_more_than_100_characters_once_decoded()
    {
        Assert.Equal(new string('x', 100), Assert.IsType<SmtpCommand.Mail>(Parse($"MAIL FROM:<a@b.test> ENVID={new string('x', 100)}").Command).Sender.EnvelopeId);
        Assert.Equal(CommandError.EnvidSyntax, Parse($"MAIL FROM:<a@b.test> ENVID={new string('x', 101)}").Error);
        // 100 encoded octets but only 34 characters: the limit is on the value.
        Assert.NotNull(Parse($"MAIL FROM:<a@b.test> ENVID={string.Concat(Enumerable.Repeat("+2B", 34))}").Command);
    }
}
