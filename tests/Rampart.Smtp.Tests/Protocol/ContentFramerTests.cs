using System.Buffers;
using System.Text;
using Rampart.Smtp.Protocol;

namespace Rampart.Smtp.Tests.Protocol;

public class ContentFramerTests
{
    private static (string Output, bool Ended, long Consumed, ContentFramer Framer) Run(string input, bool dotStuffed = true, int splitEvery = 0,
        long maxHeaderSize = long.MaxValue)
    {
        var framer = new ContentFramer(dotStuffed, maxSize: 1 << 20, maxLineLength: 1000, maxHeaderSize: maxHeaderSize);
        var output = new ArrayBufferWriter<byte>();
        var bytes = Encoding.Latin1.GetBytes(input);
        long consumed = 0;
        bool ended = false;
        int step = splitEvery == 0 ? bytes.Length : splitEvery;
        for (int i = 0; i < bytes.Length && !ended; i += step)
        {
            var piece = new ReadOnlySequence<byte>(bytes, i, Math.Min(step, bytes.Length - i));
            long used = framer.Process(piece, output, out ended);
            consumed += used;
            if (!ended) Assert.Equal(piece.Length, used);
        }
        return (Encoding.Latin1.GetString(output.WrittenSpan), ended, consumed, framer);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Unstuffs_dots_and_stops_at_the_terminator(int split)
    {
        var (output, ended, consumed, framer) = Run("Subject: x\r\n\r\n..leading\r\n.\r\nQUIT\r\n", splitEvery: split);
        Assert.True(ended);
        Assert.Equal("Subject: x\r\n\r\n.leading\r\n", output);
        Assert.Equal("Subject: x\r\n\r\n..leading\r\n.\r\n".Length, consumed);
        Assert.False(framer.Failed);
    }

    [Fact]
    public void Empty_message_ends_at_once() => Assert.True(Run(".\r\n").Ended);

    // Every way of spelling an end of data without CRLF . CRLF (the SMTP smuggling class).
    [Theory]
    [InlineData("a\n.\nMAIL FROM:<x@y.test>\r\n")]
    [InlineData("a\r.\rMAIL FROM:<x@y.test>\r\n")]
    [InlineData("a\n.\r\nMAIL FROM:<x@y.test>\r\n")]
    [InlineData("a\r\n.\nMAIL FROM:<x@y.test>\r\n")]
    [InlineData("a\r.\r\nMAIL FROM:<x@y.test>\r\n")]
    [InlineData("a\r\n.\rMAIL FROM:<x@y.test>\r\n")]
    [InlineData("a\r\r\n.\r\r\nMAIL FROM:<x@y.test>\r\n")]
    public void Bare_line_endings_never_end_the_message(string smuggled)
    {
        for (int split = 0; split <= 3; split++)
        {
            var (_, ended, _, framer) = Run(smuggled, splitEvery: split);
            Assert.False(ended, $"split {split}");
            Assert.True(framer.SawBareLineEnding);
        }
    }

    [Fact]
    public void Real_terminator_after_smuggling_attempt_ends_one_refused_message()
    {
        var (_, ended, _, framer) = Run("a\n.\nMAIL FROM:<x@y.test>\r\n.\r\n");
        Assert.True(ended);
        Assert.True(framer.SawBareLineEnding);
    }

    [Fact]
    public void Bdat_content_is_not_unstuffed_but_bare_endings_are_caught()
    {
        var (output, ended, _, framer) = Run("..x\r\n.\r\n", dotStuffed: false);
        Assert.False(ended);
        Assert.Equal("..x\r\n.\r\n", output);
        Assert.False(framer.Failed);
        var (_, _, _, bare) = Run("x\ny\r\n", dotStuffed: false);
        Assert.True(bare.SawBareLineEnding);
    }

    [Fact]
    public void Trailing_cr_at_end_of_last_chunk_is_bare()
    {
        var (_, _, _, framer) = Run("abc\r", dotStuffed: false);
        framer.CompleteChunked();
        Assert.True(framer.SawBareLineEnding);
    }

    [Fact]
    public void Size_and_line_limits_are_flagged_and_output_stops()
    {
        var framer = new ContentFramer(true, maxSize: 10, maxLineLength: 1000);
        var output = new ArrayBufferWriter<byte>();
        framer.Process(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("0123456789abcdef\r\n.\r\n")), output, out bool ended);
        Assert.True(ended);
        Assert.True(framer.TooBig);
        Assert.True(output.WrittenCount <= 10);

        var lines = new ContentFramer(true, maxSize: 1 << 20, maxLineLength: 5);
        lines.Process(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("123456\r\n.\r\n")), output, out _);
        Assert.True(lines.SawLongLine);
    }

    [Fact]
    public void Eight_bit_content_is_noticed()
    {
        Assert.True(Run("caf\u00e9\r\n.\r\n").Framer.SawEightBit);
        Assert.False(Run("plain\r\n.\r\n").Framer.SawEightBit);
    }

    // A next hop that drops NULs would see "NUL . CRLF" as the end of data (issue 11, item 2).
    [Theory]
    [InlineData("Subject: a\r\n\r\nhello\r\n\0.\r\nMAIL FROM:<x@y.test>\r\n.\r\n")]
    [InlineData("\0Subject: a\r\n\r\nb\r\n.\r\n")]
    [InlineData("Subject: a\r\n\r\nb\0\r\n.\r\n")]
    [InlineData("Subject: a\r\n\r\n.\0\r\n.\r\n")]
    public void A_nul_byte_is_flagged_and_the_message_read_to_its_real_end(string input)
    {
        for (int split = 0; split <= 3; split++)
        {
            var (output, ended, consumed, framer) = Run(input, splitEvery: split);
            Assert.True(ended, $"split {split}");
            Assert.Equal(input.Length, consumed);
            Assert.True(framer.SawNul, $"split {split}");
            Assert.True(framer.Failed);
            Assert.DoesNotContain('\0', output);
        }
        var (_, _, _, chunked) = Run(input, dotStuffed: false, splitEvery: 1);
        Assert.True(chunked.SawNul);
    }

    [Fact]
    public void Content_without_nul_is_not_flagged() => Assert.False(Run("Subject: a\r\n\r\n\u00ff\x01\r\n.\r\n").Framer.SawNul);

    // A first line that starts with white space would fold into the Received field written above it (issue 11, item 1).
    [Theory]
    [InlineData(" with ESMTPSA id forged\r\nSubject: a\r\n\r\nb\r\n.\r\n", true)]
    [InlineData("\twith ESMTPSA\r\n\r\nb\r\n.\r\n", true)]
    [InlineData(". with ESMTPSA\r\n\r\nb\r\n.\r\n", true)]
    [InlineData(".\tx\r\n\r\nb\r\n.\r\n", true)]
    [InlineData(" \r\n\r\nb\r\n.\r\n", true)]
    [InlineData("Subject: a\r\n folded\r\n\r\nb\r\n.\r\n", false)]
    [InlineData("\r\n body after an empty header section\r\n.\r\n", false)]
    [InlineData("..x\r\n\r\nb\r\n.\r\n", false)]
    public void A_first_line_that_starts_with_white_space_is_flagged(string input, bool folded)
    {
        for (int split = 0; split <= 3; split++)
        {
            var (_, ended, _, framer) = Run(input, splitEvery: split);
            Assert.True(ended);
            Assert.Equal(folded, framer.StartsFolded);
            Assert.Equal(folded, framer.Failed);
        }
    }

    [Fact]
    public void A_folded_first_line_is_flagged_when_bdat_sends_its_first_byte_alone()
    {
        var framer = new ContentFramer(dotStuffed: false, maxSize: 1 << 20, maxLineLength: 1000);
        var output = new ArrayBufferWriter<byte>();
        framer.Process(new ReadOnlySequence<byte>([]), output, out _);
        framer.Process(new ReadOnlySequence<byte>(" "u8.ToArray()), output, out _);
        framer.Process(new ReadOnlySequence<byte>("with ESMTPSA\r\n\r\nx\r\n"u8.ToArray()), output, out _);
        Assert.True(framer.StartsFolded);
        Assert.Equal(0, output.WrittenCount);
    }

    [Fact]
    public void The_header_section_is_measured_up_to_the_empty_line()
    {
        const string headers = "Subject: a\r\nX-Long: bb\r\n cc\r\n\r\n";
        for (int split = 0; split <= 3; split++)
        {
            var (_, _, _, framer) = Run(headers + "body line\r\nmore\r\n.\r\n", splitEvery: split, maxHeaderSize: headers.Length);
            Assert.Equal(headers.Length, framer.HeaderSize);
            Assert.False(framer.HeaderTooBig);
            var (_, ended, _, over) = Run(headers + "body\r\n.\r\n", splitEvery: split, maxHeaderSize: headers.Length - 1);
            Assert.True(ended);
            Assert.True(over.HeaderTooBig);
            Assert.True(over.Failed);
        }
    }

    [Fact]
    public void Content_without_an_empty_line_is_all_header_section()
    {
        var text = string.Concat(Enumerable.Repeat("X-A: 0123456789\r\n", 100));
        var (_, _, _, framer) = Run(text + ".\r\n", maxHeaderSize: 1000);
        Assert.Equal(text.Length, framer.HeaderSize);
        Assert.True(framer.HeaderTooBig);
    }
}
