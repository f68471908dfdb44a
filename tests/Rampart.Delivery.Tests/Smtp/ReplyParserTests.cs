using System.Text;
using Rampart.Delivery.Smtp;

namespace Rampart.Delivery.Tests.Smtp;

/// <summary>Reply lines (RFC 5321 §4.2) and enhanced codes (RFC 2034), table-tested without a socket.</summary>
public class ReplyParserTests
{
    [Theory]
    [InlineData("250 2.1.0 Ok", 250, true, "2.1.0 Ok")]
    [InlineData("250-PIPELINING", 250, false, "PIPELINING")]
    [InlineData("221", 221, true, "")]
    [InlineData("354 End data with <CR><LF>.<CR><LF>", 354, true, "End data with <CR><LF>.<CR><LF>")]
    public void Valid_lines_give_code_continuation_and_text(string line, int code, bool last, string text)
    {
        Assert.True(ReplyParser.TryParseLine(Encoding.ASCII.GetBytes(line), out var c, out var l, out var t));
        Assert.Equal((code, last, text), (c, l, t));
    }

    [Theory]
    [InlineData("")]
    [InlineData("25")]
    [InlineData("HELLO")]
    [InlineData("2500 x")]
    [InlineData("250x")]
    [InlineData("150 too low")]
    [InlineData("650 too high")]
    public void Garbage_is_refused(string line) =>
        Assert.False(ReplyParser.TryParseLine(Encoding.ASCII.GetBytes(line), out _, out _, out _));

    [Fact]
    public void Enhanced_code_is_taken_from_the_first_line_and_stripped_from_all()
    {
        var reply = ReplyParser.Build(550, ["5.1.1 <x@example.test>: Recipient address rejected:", "5.1.1 User unknown"]);
        Assert.Equal("5.1.1", reply.Status.ToString());
        Assert.Equal(["<x@example.test>: Recipient address rejected:", "User unknown"], reply.Lines);
    }

    [Fact]
    public void The_reply_text_stays_verbatim_for_tracking()
    {
        var reply = ReplyParser.Build(250, ["2.0.0 Ok: queued as 4AbC1x"]);
        Assert.Equal("250 2.0.0 Ok: queued as 4AbC1x", reply.ToString());
    }

    [Theory]
    [InlineData(250, "5.0.0 odd")]
    [InlineData(250, "Ok")]
    [InlineData(220, "mx.example.test ESMTP")]
    public void Without_a_matching_enhanced_code_the_text_is_kept_whole(int code, string text)
    {
        var reply = ReplyParser.Build(code, [text]);
        Assert.Null(reply.Status);
        Assert.Equal(text, reply.Text);
    }

    [Fact]
    public void Capabilities_are_case_insensitive_and_read_size()
    {
        var caps = SmtpCapabilities.Parse(ReplyParser.Build(250,
            ["mx.example.test", "pipelining", "SIZE 10240000", "8bitmime", "BinaryMIME", "SMTPUTF8", "chunking", "DSN", "starttls", "ENHANCEDSTATUSCODES"]));
        Assert.Equal(new SmtpCapabilities(true, 10240000, true, true, true, true, true, true) { Size = true }, caps);
        var bare = SmtpCapabilities.Parse(ReplyParser.Build(250, ["mx.example.test", "SIZE"]));
        Assert.True(bare.Size);
        Assert.Null(bare.MaxSize);
    }
}
