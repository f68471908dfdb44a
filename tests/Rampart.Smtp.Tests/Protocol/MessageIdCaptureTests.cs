using System.Buffers;
using System.Text;
using Rampart.Smtp.Protocol;

namespace Rampart.Smtp.Tests.Protocol;

/// <summary>The framer keeps the client's Message-ID for message tracking, whatever the chunking.</summary>
public class MessageIdCaptureTests
{
    private static string? MessageIdOf(string content, int splitEvery)
    {
        var framer = new ContentFramer(dotStuffed: true, maxSize: 1 << 20, maxLineLength: 1000);
        var bytes = Encoding.UTF8.GetBytes(content + "\r\n.\r\n");
        int step = splitEvery == 0 ? bytes.Length : splitEvery;
        for (int i = 0; i < bytes.Length; i += step)
        {
            framer.Process(new ReadOnlySequence<byte>(bytes, i, Math.Min(step, bytes.Length - i)), new ArrayBufferWriter<byte>(), out bool ended);
            if (ended) break;
        }
        return framer.MessageId;
    }

    [Theory]
    [InlineData("Subject: x\r\nMessage-ID: <abc.123@foreign.test>\r\n\r\nbody", "abc.123@foreign.test")]
    [InlineData("message-id:<abc@x>\r\n\r\nbody", "abc@x")]
    [InlineData("MESSAGE-ID:   <abc@x>  (comment)\r\n\r\nbody", "abc@x")]
    [InlineData("Message-ID:\r\n <folded@x>\r\nSubject: y\r\n\r\nbody", "folded@x")]
    [InlineData("Message-ID: <first@x>\r\nMessage-ID: <second@x>\r\n\r\n", "first@x")]
    [InlineData("Message-ID: no-brackets@x\r\n\r\n", "no-brackets@x")]
    [InlineData("X-Message-ID: <not@x>\r\nResent-Message-ID: <nor@x>\r\n\r\n", null)]
    [InlineData("Subject: x\r\n\r\nMessage-ID: <in-body@x>\r\n", null)]
    [InlineData("Subject: x\r\n X-Message-ID: <folded-into-subject@x>\r\n\r\n", null)]
    [InlineData("Message-ID: \r\n\r\n", null)]
    public void The_first_Message_ID_field_of_the_header_is_kept(string content, string? expected)
    {
        foreach (int split in new[] { 0, 1, 2, 7 }) Assert.Equal(expected, MessageIdOf(content, split));
    }

    [Fact]
    public void A_huge_value_is_cut()
    {
        var id = MessageIdOf("Message-ID: <" + new string('a', 5000) + "@x>\r\n\r\n", 0)!;
        Assert.True(id.Length < 1000);
    }

    [Fact]
    public void A_header_without_Message_ID_allocates_no_buffer_for_it()
    {
        var lines = new[] { "Subject: a message with no id"u8.ToArray(), "From: <alice@foreign.test>"u8.ToArray(), "To: <bob@example.test>"u8.ToArray() };
        var warm = new MessageIdCapture();
        Feed(warm, lines);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var capture = new MessageIdCapture();
        Feed(capture, lines);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Null(capture.Value);
        // The object itself is some 50 bytes; the old eager buffer was 998 more.
        Assert.True(allocated < 200, $"{allocated} bytes");
    }

    [Fact]
    public void A_long_value_grows_its_buffer_and_keeps_every_byte()
    {
        var id = new string('b', 700) + "@x";
        Assert.Equal(id, MessageIdOf("Message-ID: <" + id + ">\r\n\r\n", 0));
        Assert.Equal(id, MessageIdOf("Message-ID:\r\n <" + id + ">\r\n\r\n", 3));
    }

    private static void Feed(MessageIdCapture capture, byte[][] lines)
    {
        foreach (var line in lines)
        {
            capture.Line(line);
            capture.LineEnd();
        }
        capture.LineEnd();
    }
}
