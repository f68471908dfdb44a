using System.Buffers;
using Rampart.Mail;

namespace Rampart.Smtp.Session;

/// <summary>
/// Collects unstuffed content between drains to the sink, in an array rented from the message buffers' pool
/// for the duration of one message only, so that idle sessions hold no content memory.
/// </summary>
internal sealed class ContentBuffer(int initialSize) : IBufferWriter<byte>, IDisposable
{
    private byte[] array = MessageBuffers.Pool.Rent(initialSize);

    public int WrittenCount { get; private set; }

    public ReadOnlyMemory<byte> WrittenMemory => array.AsMemory(0, WrittenCount);

    public void ResetWrittenCount() => WrittenCount = 0;

    public void Advance(int count) => WrittenCount += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return array.AsMemory(WrittenCount);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return array.AsSpan(WrittenCount);
    }

    private void Ensure(int sizeHint)
    {
        int needed = WrittenCount + Math.Max(sizeHint, 1);
        if (needed <= array.Length) return;
        var larger = MessageBuffers.Pool.Rent(Math.Max(needed, array.Length * 2));
        array.AsSpan(0, WrittenCount).CopyTo(larger);
        MessageBuffers.Pool.Return(array);
        array = larger;
    }

    public void Dispose()
    {
        if (array.Length == 0) return;
        MessageBuffers.Pool.Return(array);
        array = [];
        WrittenCount = 0;
    }
}
