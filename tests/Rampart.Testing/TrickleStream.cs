namespace Rampart.Testing;

/// <summary>
/// A stream that hands out at most <c>most</c> bytes per read, whatever the reader asks for: a slow or hostile peer's
/// pace, for every reader that must not assume a read fills its buffer.
/// </summary>
public sealed class TrickleStream(byte[] bytes, int most) : MemoryStream(bytes, writable: false)
{
    public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, most));

    public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, most)]);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => base.ReadAsync(buffer, offset, Math.Min(count, most), ct);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => base.ReadAsync(buffer[..Math.Min(buffer.Length, most)], ct);
}
