using System.Buffers;
using System.Text;
using Rampart.Smtp.Protocol;

namespace Rampart.Smtp.Tests.Protocol;

/// <summary>Received: fields counted by the framer (RFC 5321 §6.3), however the content is cut into pieces.</summary>
public class ReceivedCounterTests
{
    // Three fields count: two spellings of the name and the obsolete "name WSP :" form. The folded
    // field counts once; its continuation, look-alike names and the body do not count.
    private const string Message =
        "Received: from a.test by b.test; Mon, 23 Nov 2026 12:00:00 +0000\r\n" +
        "RECEIVED: from c.test\r\n" +
        "  by d.test\r\n" +
        " Received: not a field, a continuation\r\n" +
        "received\t : from e.test\r\n" +
        "Received-SPF: pass\r\n" +
        "X-Received: by f.test\r\n" +
        "Receive: no\r\n" +
        "Received\r\n" +
        "Subject: loop?\r\n" +
        "\r\n" +
        "Received: in the body\r\n" +
        "Received: in the body\r\n";

    private static ContentFramer Feed(string content, bool dotStuffed, IEnumerable<int> cuts, int maxReceived = int.MaxValue)
    {
        var framer = new ContentFramer(dotStuffed, maxSize: 1 << 20, maxLineLength: 1000, maxReceived);
        var output = new ArrayBufferWriter<byte>();
        var bytes = Encoding.ASCII.GetBytes(dotStuffed ? content + ".\r\n" : content);
        int start = 0;
        foreach (int cut in cuts.Append(bytes.Length))
        {
            framer.Process(new ReadOnlySequence<byte>(bytes, start, cut - start), output, out _);
            start = cut;
        }
        return framer;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Counts_header_fields_only_at_every_split_position(bool dotStuffed)
    {
        for (int split = 0; split <= Message.Length; split++)
        {
            Assert.Equal(3, Feed(Message, dotStuffed, [split]).ReceivedHeaders);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Counts_header_fields_fed_a_byte_at_a_time(bool dotStuffed) =>
        Assert.Equal(3, Feed(Message, dotStuffed, Enumerable.Range(1, Message.Length - 1)).ReceivedHeaders);

    [Fact]
    public void A_message_that_starts_with_the_empty_line_has_no_header_fields() =>
        Assert.Equal(0, Feed("\r\nReceived: body\r\n", dotStuffed: true, []).ReceivedHeaders);

    [Fact]
    public void More_than_the_limit_fails_the_message_and_stops_output()
    {
        string Headers(int n) => string.Concat(Enumerable.Repeat("Received: from x.test\r\n", n)) + "\r\nbody\r\n";

        var atLimit = Feed(Headers(3), dotStuffed: true, [], maxReceived: 3);
        Assert.False(atLimit.TooManyHops);
        Assert.False(atLimit.Failed);

        var over = Feed(Headers(4), dotStuffed: true, [], maxReceived: 3);
        Assert.Equal(4, over.ReceivedHeaders);
        Assert.True(over.TooManyHops);
        Assert.True(over.Failed);
    }
}
