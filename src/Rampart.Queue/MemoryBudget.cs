namespace Rampart.Queue;

/// <summary>Bytes the process may hold for one purpose, reserved and released by its users; never overdrawn.</summary>
public sealed class MemoryBudget(long limitBytes)
{
    private long used;

    /// <summary>Bytes reserved now.</summary>
    public long Used => Interlocked.Read(ref used);

    public bool TryReserve(long bytes)
    {
        if (Interlocked.Add(ref used, bytes) <= limitBytes) return true;
        Interlocked.Add(ref used, -bytes);
        return false;
    }

    public void Release(long bytes) => Interlocked.Add(ref used, -bytes);
}
