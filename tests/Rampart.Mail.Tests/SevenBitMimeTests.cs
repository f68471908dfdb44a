namespace Rampart.Mail.Tests;

/// <summary>The 8-bit scan delivery's downgrade trusts: a byte >= 0x80 anywhere from the stream's position on, whether the bytes are scanned in place or read.</summary>
public sealed class SevenBitMimeTests
{
    public static TheoryData<int> Places() => [0, 1, 16 * 1024 - 1, 16 * 1024, 16 * 1024 + 1, 70_000 - 1];

    [Theory]
    [MemberData(nameof(Places))]
    public async Task One_high_byte_anywhere_is_found_in_every_kind_of_stream(int place)
    {
        var content = Seven(70_000);
        content[place] = 0x80;

        Assert.True(await SevenBitMime.HasEightBitAsync(new MemoryStream(content, 0, content.Length, writable: false, publiclyVisible: true), default));
        Assert.True(await SevenBitMime.HasEightBitAsync(new MemoryStream(content, writable: false), default));
        Assert.True(await SevenBitMime.HasEightBitAsync(new BufferedStream(new MemoryStream(content)), default));
    }

    [Fact]
    public async Task Seven_bit_content_is_seven_bit()
    {
        var content = Seven(70_000);

        Assert.False(await SevenBitMime.HasEightBitAsync(new MemoryStream(content, 0, content.Length, writable: false, publiclyVisible: true), default));
        Assert.False(await SevenBitMime.HasEightBitAsync(new BufferedStream(new MemoryStream(content)), default));
    }

    [Fact]
    public async Task Only_the_bytes_from_the_streams_position_and_inside_its_window_count()
    {
        var content = Seven(100);
        content[2] = 0xFF;   // before the window's start
        content[98] = 0xC3;  // after its end
        var window = new MemoryStream(content, 5, 90, writable: false, publiclyVisible: true);
        Assert.False(await SevenBitMime.HasEightBitAsync(window, default));

        content[10] = 0xE9;  // inside, but before the position
        window.Position = 6;
        Assert.False(await SevenBitMime.HasEightBitAsync(window, default));
        window.Position = 5;
        Assert.True(await SevenBitMime.HasEightBitAsync(window, default));
    }

    private static byte[] Seven(int length) => Enumerable.Range(0, length).Select(i => (byte)(i % 95 + 32)).ToArray();
}
