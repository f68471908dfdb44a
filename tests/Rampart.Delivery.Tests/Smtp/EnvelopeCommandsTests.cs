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

    [Fact]
    public void Body_and_smtputf8_follow_the_peer()
    {
        var sender = new Sender("jörg@foreign.test", SmtpUtf8: true);
        Assert.Equal("MAIL FROM:<jörg@foreign.test> BODY=8BITMIME SMTPUTF8",
            EnvelopeCommands.Mail(sender, SmtpCapabilities.None with { SmtpUtf8 = true, EightBitMime = true }, 10, BodyType.EightBitMime));
        Assert.Equal("MAIL FROM:<> BODY=BINARYMIME", EnvelopeCommands.Mail(new Sender(""), SmtpCapabilities.None, 10, BodyType.BinaryMime));
    }
}
