using Rampart.Delivery.Smtp;
using Rampart.Mail;

namespace Rampart.Delivery.Tests.Smtp;

/// <summary>MAIL/RCPT parameters: only what the peer offered, DSN values xtext-encoded (RFC 3461 §4).</summary>
public class EnvelopeCommandsTests
{
    [Fact]
    public void Dsn_parameters_are_xtext_encoded()
    {
        var caps = SmtpCapabilities.None with { Dsn = true, Size = true };
        var mail = EnvelopeCommands.Mail(new Sender("a@b.test", Ret: DsnReturn.Headers, EnvelopeId: "id+1=x"), caps, 42, BodyType.SevenBit);
        Assert.Equal("MAIL FROM:<a@b.test> SIZE=42 RET=HDRS ENVID=id+2B1+3Dx", mail);
        var rcpt = EnvelopeCommands.Rcpt(new Recipient("bob@example.test", DsnNotify.Failure | DsnNotify.Delay, "rfc822;Bob+x@example.test"), caps);
        Assert.Equal("RCPT TO:<bob@example.test> NOTIFY=FAILURE,DELAY ORCPT=rfc822;Bob+2Bx@example.test", rcpt);
        Assert.Equal("RCPT TO:<bob@example.test>", EnvelopeCommands.Rcpt(new Recipient("bob@example.test", DsnNotify.Never), SmtpCapabilities.None));
    }

    [Theory]
    [InlineData("rfc822;bob@example.test", "rfc822;bob@example.test")]
    [InlineData("RFC822;bob@example.test", "rfc822;bob@example.test")]     // a spool from before the type was made canonical
    [InlineData("rfc822;\"a b=c\"@example.test", "rfc822;\"a+20b+3Dc\"@example.test")]
    [InlineData("utf-8;jörg@exämple.test", "utf-8;j\\x{F6}rg@ex\\x{E4}mple.test")]   // 7-bit: fine without SMTPUTF8 (RFC 6533 3)
    [InlineData("utf-8;a+b=c@example.test", "utf-8;a\\x{2B}b\\x{3D}c@example.test")]
    [InlineData("utf-8;😀@example.test", "utf-8;\\x{1F600}@example.test")]
    [InlineData("utf-8;\"a\\\\b\"@example.test", "utf-8;\"a\\x{5C}\\x{5C}b\"@example.test")]
    public void Orcpt_goes_out_re_encoded_from_the_checked_value(string kept, string sent)
    {
        var caps = SmtpCapabilities.None with { Dsn = true };
        Assert.Equal($"RCPT TO:<bob@example.test> ORCPT={sent}", EnvelopeCommands.Rcpt(new Recipient("bob@example.test", OriginalRecipient: kept), caps));
    }

    [Theory]
    [InlineData("x400;/G=Bob/")]                   // a type nobody checked (a spool from before the check)
    [InlineData("rfc822;jörg@example.test")]       // 8-bit under rfc822
    [InlineData("rfc822;bob\r\nX: y@example.test")]
    [InlineData("rfc822;")]
    [InlineData("nosemicolon")]
    public void An_orcpt_that_is_not_a_checked_value_is_left_out(string kept) =>
        Assert.Equal("RCPT TO:<bob@example.test>", EnvelopeCommands.Rcpt(new Recipient("bob@example.test", OriginalRecipient: kept),
            SmtpCapabilities.None with { Dsn = true }));

    [Fact]
    public void Body_and_smtputf8_follow_the_peer()
    {
        var sender = new Sender("jörg@foreign.test", SmtpUtf8: true);
        Assert.Equal("MAIL FROM:<jörg@foreign.test> BODY=8BITMIME SMTPUTF8",
            EnvelopeCommands.Mail(sender, SmtpCapabilities.None with { SmtpUtf8 = true, EightBitMime = true }, 10, BodyType.EightBitMime));
        Assert.Equal("MAIL FROM:<> BODY=BINARYMIME", EnvelopeCommands.Mail(new Sender(""), SmtpCapabilities.None, 10, BodyType.BinaryMime));
    }
}
