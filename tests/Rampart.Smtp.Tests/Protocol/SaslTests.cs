using System.Text;
using Rampart.Smtp.Protocol;

namespace Rampart.Smtp.Tests.Protocol;

public class SaslTests
{
    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    [Theory]
    [InlineData("\0alice\0pw", "alice", "pw")]
    [InlineData("alice\0alice\0pw", "alice", "pw")]
    [InlineData("\0alice\0p\u00e4ss word", "alice", "p\u00e4ss word")]
    public void Plain_gives_user_and_password(string message, string user, string password)
    {
        Assert.True(Sasl.TryDecode(B64(message), out var text));
        Assert.True(Sasl.TryParsePlain(text, out var u, out var p));
        Assert.Equal((user, password), (u, p));
    }

    [Theory]
    [InlineData("alice\0pw")]
    [InlineData("\0\0pw")]
    [InlineData("mallory\0alice\0pw")]
    [InlineData("\0a\0b\0c")]
    public void Plain_refuses_malformed_messages_and_foreign_authzid(string message) =>
        Assert.False(Sasl.TryParsePlain(message, out _, out _));

    [Theory]
    [InlineData("not base64!")]
    [InlineData("YWJj=")]
    [InlineData("/w==")] // 0xFF: not UTF-8
    public void Bad_base64_is_refused(string line) => Assert.False(Sasl.TryDecode(line, out _));

    [Theory]
    [InlineData("=")]
    [InlineData("")]
    public void Equals_sign_and_empty_line_are_the_empty_response(string line)
    {
        Assert.True(Sasl.TryDecode(line, out var text));
        Assert.Equal("", text);
    }

    [Theory]
    [InlineData("AUTH PLAIN", "PLAIN", null)]
    [InlineData("auth login dXNlcg==", "LOGIN", "dXNlcg==")]
    [InlineData("AUTH SCRAM-SHA-256", "SCRAM-SHA-256", null)]
    public void Auth_command_is_parsed(string line, string mechanism, string? initial)
    {
        var auth = Assert.IsType<SmtpCommand.Auth>(CommandParser.Parse(Encoding.ASCII.GetBytes(line)).Command);
        Assert.Equal((mechanism, initial), (auth.Mechanism, auth.InitialResponse));
    }

    [Theory]
    [InlineData("AUTH")]
    [InlineData("AUTH PLAIN a b")]
    [InlineData("AUTH PL@IN")]
    public void Bad_auth_lines_are_syntax_errors(string line) =>
        Assert.Equal(CommandError.AuthSyntax, CommandParser.Parse(Encoding.ASCII.GetBytes(line)).Error);

    [Theory]
    [InlineData("MAIL FROM:<a@b.test> AUTH=<>")]
    [InlineData("MAIL FROM:<a@b.test> AUTH=alice+40example.test")]
    public void Mail_accepts_the_auth_parameter(string line) =>
        Assert.IsType<SmtpCommand.Mail>(CommandParser.Parse(Encoding.ASCII.GetBytes(line)).Command);
}
