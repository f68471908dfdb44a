using System.Text;
using Rampart.Smtp.Protocol;

namespace Rampart.Smtp.Tests.Protocol;

/// <summary>RFC 8689 §3: REQUIRETLS is a bare MAIL parameter; anything else spelled like it is refused by name.</summary>
public class RequireTlsParameterTests
{
    private static ParseResult Parse(string line) => CommandParser.Parse(Encoding.UTF8.GetBytes(line));

    [Theory]
    [InlineData("MAIL FROM:<a@b.test> REQUIRETLS", true)]
    [InlineData("MAIL FROM:<a@b.test> requiretls", true)]
    [InlineData("MAIL FROM:<a@b.test> RequireTls SMTPUTF8", true)]
    [InlineData("MAIL FROM:<> REQUIRETLS", true)]
    [InlineData("MAIL FROM:<a@b.test>", false)]
    public void The_keyword_is_kept_in_the_sender(string line, bool requireTls)
    {
        var mail = Assert.IsType<SmtpCommand.Mail>(Parse(line).Command);
        Assert.Equal(requireTls, mail.Sender.RequireTls);
    }

    [Theory]
    [InlineData("MAIL FROM:<a@b.test> REQUIRETLS=YES", CommandError.BadParameterValue)]
    [InlineData("MAIL FROM:<a@b.test> REQUIRETLS=", CommandError.BadParameterValue)]
    [InlineData("MAIL FROM:<a@b.test> REQUIRETLS REQUIRETLS", CommandError.DuplicateParameter)]
    [InlineData("MAIL FROM:<a@b.test> REQUIRETLS requiretls", CommandError.DuplicateParameter)]
    [InlineData("MAIL FROM:<a@b.test> REQUIRE-TLS", CommandError.UnknownParameter)]
    [InlineData("MAIL FROM:<a@b.test> REQUIRETLS\0", CommandError.NulInLine)]
    [InlineData("RCPT TO:<b@example.test> REQUIRETLS", CommandError.UnknownParameter)]
    public void Anything_else_is_refused_by_name(string line, CommandError expected)
    {
        var result = Parse(line);
        Assert.Null(result.Command);
        Assert.Equal(expected, result.Error);
    }
}
