using System.Buffers;
using System.Text;
using Rampart.Delivery.Smtp;
using Rampart.Mail;

namespace Rampart.Delivery.Tests.Smtp;

/// <summary>RFC 5321 §4.5.2 transparency, fed whole and byte by byte (a dot may start a block).</summary>
public class DotStufferTests
{
    [Theory]
    [InlineData("a\r\n", "a\r\n.\r\n")]
    [InlineData(".\r\n", "..\r\n.\r\n")]
    [InlineData("x\r\n.\r\n..\r\n.y\r\n", "x\r\n..\r\n...\r\n..y\r\n.\r\n")]
    [InlineData("no final line end", "no final line end\r\n.\r\n")]
    [InlineData("", ".\r\n")]
    [InlineData("a.b\r\n .c\r\n", "a.b\r\n .c\r\n.\r\n")]
    public void Lines_starting_with_a_dot_get_another(string content, string expected)
    {
        Assert.Equal(expected, Stuff(content, blockSize: int.MaxValue));
        Assert.Equal(expected, Stuff(content, blockSize: 1));
    }

    private static string Stuff(string content, int blockSize)
    {
        var bytes = Encoding.ASCII.GetBytes(content);
        var output = new ArrayBufferWriter<byte>();
        var stuffer = new DotStuffer();
        for (int i = 0; i < bytes.Length; i += blockSize) stuffer.Write(bytes.AsSpan(i, Math.Min(blockSize, bytes.Length - i)), output);
        stuffer.Finish(output);
        return Encoding.ASCII.GetString(output.WrittenSpan);
    }

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
}
