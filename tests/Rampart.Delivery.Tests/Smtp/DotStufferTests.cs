using System.Buffers;
using System.Text;
using Rampart.Delivery.Smtp;

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
}
