namespace Rampart.Queue;

/// <summary>
/// The budget of committed small messages kept in memory for their first delivery attempt
/// (<see cref="QueuedMessage.ContentCopy"/>): that attempt then sends them without opening the spool file (measured
/// with strace -c: an openat, fstat, two preads and a close per message). Bounded in bytes over the whole process;
/// past it a message simply has no copy and is read from its file, as a deferred one always is. Each copy is given
/// back when its message leaves the first attempt (delivered, deferred, held), so a long queue of deferred messages
/// holds none.
/// </summary>
public sealed class ContentCopies(long budgetBytes)
{
    /// <summary>64 MiB: 16,000 messages of 4 KiB waiting for their first attempt at once, far more than a burst.</summary>
    public const long DefaultBudget = 64L * 1024 * 1024;

    private readonly MemoryBudget budget = new(budgetBytes);

    /// <summary>Bytes held by copies now.</summary>
    public long Used => budget.Used;

    /// <summary>A copy of <paramref name="content"/> charged to the budget, or null when the budget is spent.</summary>
    public ContentCopy? TryCopy(ReadOnlySpan<byte> content) =>
        budget.TryReserve(content.Length) ? new ContentCopy(content.ToArray(), this) : null;

    internal void Return(int length) => budget.Release(length);
}

/// <summary>A committed message's content in memory; <see cref="Release"/> gives its bytes back to the budget (once).</summary>
public sealed class ContentCopy(byte[] bytes, ContentCopies budget)
{
    private int released;

    public ReadOnlyMemory<byte> Bytes => bytes;

    public Stream Open() => new MemoryStream(bytes, writable: false);

    public void Release()
    {
        if (Interlocked.Exchange(ref released, 1) == 0) budget.Return(bytes.Length);
    }
}
