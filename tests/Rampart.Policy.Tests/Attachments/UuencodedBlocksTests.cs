using System.Text;
using System.Text.RegularExpressions;
using Rampart.Policy.Attachments;
using Xunit;
using Rampart.Testing;

namespace Rampart.Policy.Tests.Attachments;

/// <summary>
/// The byte-level uuencode finder against the line reader it replaced (kept here as the reference): the same blocks
/// for every way a hostile text can split its lines, across the reader's 64 KiB buffer and in reads of any size.
/// </summary>
public sealed class UuencodedBlocksTests
{
    private static readonly byte[] Payload = Enumerable.Range(0, 300).Select(i => (byte)(i * 7)).ToArray();

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\r")]
    public async Task A_block_is_found_whatever_the_line_ends(string newline)
    {
        var text = "Hello\n\n" + Encoders.Uuencode("tool.exe", Payload) + "bye\n";
        text = text.Replace("\n", newline);

        var block = Assert.Single(await FindAsync(Encoding.ASCII.GetBytes(text), readSize: 7));

        Assert.Equal("tool.exe", block.Name);
        Assert.Equal(Payload, block.Bytes);
    }

    [Fact]
    public async Task A_begin_line_right_after_a_long_line_that_ends_in_CR_at_the_buffer_edge_is_still_seen()
    {
        // The long line fills the reader's buffer up to its CR; the LF and the block follow in the next read.
        var longLine = new string('x', 64 * 1024 - 1);
        var text = longLine + "\r\n" + Encoders.Uuencode("late.exe", Payload);

        var block = Assert.Single(await FindAsync(Encoding.ASCII.GetBytes(text), readSize: 64 * 1024));

        Assert.Equal("late.exe", block.Name);
        Assert.Equal(Payload, block.Bytes);
    }

    [Fact]
    public async Task The_end_line_may_carry_trailing_blanks_and_need_no_newline()
    {
        var text = Encoders.Uuencode("a.bin", Payload).Replace("end\n", "end \t\u00a0");

        var block = Assert.Single(await FindAsync(Encoding.Latin1.GetBytes(text), readSize: 5));

        Assert.Equal(Payload, block.Bytes);
    }

    [Fact]
    public async Task Random_texts_give_the_blocks_the_line_reader_gave()
    {
        var random = new Random(15);
        string[] pieces = ["begin 644 a.exe", "begin 755 two words.txt", "begin 64 x", "end", "end  ", "M", "`", "\r", "\n", "\r\n", "text",
            "begin 644 ", new string('y', 1200), Encoders.Uuencode("n.dat", Payload), "#0V%T"];
        for (var round = 0; round < 300; round++)
        {
            var text = new StringBuilder();
            for (var i = random.Next(1, 40); i > 0; i--) text.Append(pieces[random.Next(pieces.Length)]);
            var bytes = Encoding.Latin1.GetBytes(text.ToString());

            var expected = await ReferenceAsync(bytes);
            var actual = await FindAsync(bytes, readSize: random.Next(1, 3000));

            Assert.Equal(expected.Select(b => b.Name), actual.Select(b => b.Name));
            Assert.Equal(expected.Select(b => Convert.ToHexString(b.Bytes)), actual.Select(b => Convert.ToHexString(b.Bytes)));
        }
    }

    private static async Task<List<UuencodedBlock>> FindAsync(byte[] text, int readSize)
    {
        var found = new List<UuencodedBlock>();
        await foreach (var block in UuencodedBlocks.FindAsync(new TrickleStream(text, readSize), CancellationToken.None)) found.Add(block);
        return found;
    }

    // The line reader UuencodedBlocks used before it read bytes.
    private static async Task<List<UuencodedBlock>> ReferenceAsync(byte[] text)
    {
        var found = new List<UuencodedBlock>();
        using var reader = new StreamReader(new MemoryStream(text), Encoding.Latin1, detectEncodingFromByteOrderMarks: false);
        string? name = null;
        var encoded = new MemoryStream();
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.Length > 1100) continue;
            if (name is null)
            {
                if (Regex.Match(line, @"^begin [0-7]{3,4} (\S[^\r\n]*)$") is { Success: true } begin) name = begin.Groups[1].Value.TrimEnd();
                continue;
            }
            if (line.TrimEnd() == "end")
            {
                found.Add(new UuencodedBlock(name, Decode(encoded)));
                name = null;
                encoded.SetLength(0);
                continue;
            }
            encoded.Write(Encoding.Latin1.GetBytes(line + "\n"));
        }
        if (name is not null) found.Add(new UuencodedBlock(name, Decode(encoded)));
        return found;
    }

    private static byte[] Decode(MemoryStream encoded)
    {
        var decoder = new MimeKit.Encodings.UUDecoder(payloadOnly: true);
        var output = new byte[decoder.EstimateOutputLength((int)encoded.Length)];
        var length = decoder.Decode(encoded.GetBuffer(), 0, (int)encoded.Length, output);
        return output.AsSpan(0, length).ToArray();
    }
}
