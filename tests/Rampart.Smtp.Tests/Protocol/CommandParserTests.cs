using System.Text;
using Rampart.Mail;
using Rampart.Smtp.Protocol;

namespace Rampart.Smtp.Tests.Protocol;

public class CommandParserTests
{
    private static ParseResult Parse(string line) => CommandParser.Parse(Encoding.UTF8.GetBytes(line));

    [Theory]
    [InlineData("EHLO client.example", typeof(SmtpCommand.Helo))]
    [InlineData("helo client.example", typeof(SmtpCommand.Helo))]
    [InlineData("MAIL FROM:<a@b.test>", typeof(SmtpCommand.Mail))]
    [InlineData("mail from: <a@b.test>", typeof(SmtpCommand.Mail))]
    [InlineData("MAIL FROM:<>", typeof(SmtpCommand.Mail))]
    [InlineData("RCPT TO:<bob@example.test>", typeof(SmtpCommand.Rcpt))]
    [InlineData("RCPT TO:<Postmaster>", typeof(SmtpCommand.Rcpt))]
    [InlineData("DATA", typeof(SmtpCommand.Data))]
    [InlineData("BDAT 100", typeof(SmtpCommand.Bdat))]
    [InlineData("BDAT 0 LAST", typeof(SmtpCommand.Bdat))]
    [InlineData("RSET", typeof(SmtpCommand.Rset))]
    [InlineData("NOOP anything", typeof(SmtpCommand.Noop))]
    [InlineData("QUIT", typeof(SmtpCommand.Quit))]
    [InlineData("VRFY bob", typeof(SmtpCommand.Vrfy))]
    [InlineData("HELP", typeof(SmtpCommand.Help))]
    [InlineData("STARTTLS", typeof(SmtpCommand.StartTls))]
    [InlineData("EXPN staff", typeof(SmtpCommand.NotImplemented))]
    [InlineData("GET / HTTP/1.0", typeof(SmtpCommand.Forbidden))]
    public void Recognises_every_command(string line, Type expected) =>
        Assert.IsType(expected, Parse(line).Command);

    [Theory]
    [InlineData("FOO", CommandError.UnknownCommand)]
    [InlineData("", CommandError.UnknownCommand)]
    [InlineData("MAIL FROM:<a\0@b.test>", CommandError.NulInLine)]
    [InlineData("EHLO", CommandError.HeloSyntax)]
    [InlineData("MAIL FROM:a@b.test", CommandError.MailSyntax)]
    [InlineData("MAIL TO:<a@b.test>", CommandError.MailSyntax)]
    [InlineData("MAIL FROM:<a@b.test>x", CommandError.MailSyntax)]
    [InlineData("RCPT TO:bob@example.test", CommandError.RcptSyntax)]
    [InlineData("RCPT TO:<bob@example.test.>", CommandError.BadAddress)]
    [InlineData("RCPT TO:<bob@@example.test>", CommandError.BadAddress)]
    [InlineData("RCPT TO:<bob.@example.test>", CommandError.BadAddress)]
    [InlineData("RCPT TO:<\"bob@example.test>", CommandError.RcptSyntax)]
    [InlineData("RCPT TO:<bob@-example.test>", CommandError.BadAddress)]
    [InlineData("RCPT TO:<bob@[300.1.1.1]>", CommandError.BadAddressLiteral)]
    [InlineData("RCPT TO:<bob>", CommandError.BadAddress)]
    [InlineData("DATA x", CommandError.NoArgumentsExpected)]
    [InlineData("QUIT now", CommandError.NoArgumentsExpected)]
    [InlineData("BDAT", CommandError.BdatSyntax)]
    [InlineData("BDAT -1", CommandError.BdatSyntax)]
    [InlineData("BDAT 10 FIRST", CommandError.BdatSyntax)]
    [InlineData("BDAT 9999999999999999999", CommandError.BdatSyntax)]
    [InlineData("MAIL FROM:<a@b.test> SIZE=abc", CommandError.BadParameterValue)]
    [InlineData("MAIL FROM:<a@b.test> BODY=BINARYMIME", CommandError.BadParameterValue)]
    [InlineData("MAIL FROM:<a@b.test> FOO=BAR", CommandError.UnknownParameter)]
    [InlineData("MAIL FROM:<a@b.test> SIZE=1 SIZE=2", CommandError.DuplicateParameter)]
    [InlineData("MAIL FROM:<a@b.test> ENVID=bad=value", CommandError.EnvidSyntax)]
    [InlineData("MAIL FROM:<a@b.test> ENVID=a+0D+0AX-Injected:+20yes", CommandError.EnvidSyntax)]
    [InlineData("RCPT TO:<b@example.test> ORCPT=rfc822;b+00@example.test", CommandError.OrcptSyntax)]
    [InlineData("RCPT TO:<b@example.test> NOTIFY=NEVER,SUCCESS", CommandError.BadParameterValue)]
    [InlineData("RCPT TO:<b@example.test> NOTIFY=SUCCESS,SUCCESS", CommandError.BadParameterValue)]
    [InlineData("RCPT TO:<b@example.test> ORCPT=nosemicolon", CommandError.OrcptSyntax)]
    [InlineData("MAIL FROM:<jöran@b.test>", CommandError.NonAsciiAddressWithoutSmtpUtf8)]
    public void Names_each_error(string line, CommandError expected)
    {
        var result = Parse(line);
        Assert.Null(result.Command);
        Assert.Equal(expected, result.Error);
    }

    [Fact]
    public void Invalid_utf8_is_refused()
    {
        var result = CommandParser.Parse([.. "MAIL FROM:<"u8, 0xC3, 0x28, .. "@b.test>"u8]);
        Assert.Equal(CommandError.InvalidUtf8, result.Error);
    }

    [Fact]
    public void Mail_parameters_are_kept()
    {
        var mail = Assert.IsType<SmtpCommand.Mail>(Parse("MAIL FROM:<a@b.test> SIZE=1234 BODY=8BITMIME RET=HDRS ENVID=QQ+2B314 SMTPUTF8").Command);
        Assert.Equal(new Sender("a@b.test", BodyType.EightBitMime, true, DsnReturn.Headers, "QQ+314", 1234), mail.Sender);
    }

    [Fact]
    public void Rcpt_dsn_parameters_are_kept()
    {
        var rcpt = Assert.IsType<SmtpCommand.Rcpt>(Parse("RCPT TO:<b@example.test> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;b+40example.test").Command);
        Assert.Equal(DsnNotify.Success | DsnNotify.Delay, rcpt.Recipient.Notify);
        Assert.Equal("rfc822;b@example.test", rcpt.Recipient.OriginalRecipient);
    }

    [Theory]
    [InlineData("RCPT TO:<@relay.test:bob@example.test>", "bob@example.test")]
    [InlineData("RCPT TO:<@a.test,@b.test:bob@example.test>", "bob@example.test")]
    [InlineData("RCPT TO:<\"bob smith\"@example.test>", "\"bob smith\"@example.test")]
    [InlineData("RCPT TO:<\"a@b\"@example.test>", "\"a@b\"@example.test")]
    [InlineData("RCPT TO:<bob@[127.0.0.1]>", "bob@[127.0.0.1]")]
    [InlineData("RCPT TO:<bob@[IPv6:::1]>", "bob@[IPv6:::1]")]
    [InlineData("RCPT TO:<bob%other.test@example.test>", "bob%other.test@example.test")]
    [InlineData("RCPT TO:<jöran@exämple.test>", "jöran@exämple.test")]
    public void Source_routes_are_dropped_and_the_final_mailbox_kept(string line, string address) =>
        Assert.Equal(address, Assert.IsType<SmtpCommand.Rcpt>(Parse(line).Command).Recipient.Address);

    [Fact]
    public void Overlong_local_part_is_refused() =>
        Assert.Equal(CommandError.BadAddress, Parse($"RCPT TO:<{new string('a', 65)}@example.test>").Error);
}
