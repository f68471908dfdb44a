using System.Runtime.InteropServices;

namespace Rampart.Queue;

/// <summary>
/// Who owns a file, and who we are: what .NET does not tell. A command that edits a stopped gateway's spool must run as
/// the spool's owner, or the files it writes (0600, its own) are ones the gateway cannot read or append to at its next
/// start. statx(2) is used rather than stat(2) because its buffer has the same layout on every architecture.
/// </summary>
public static partial class FileOwner
{
    private const int AtFdCwd = -100;
    private const uint StatxUid = 0x8;
    private const int StatxBufferSize = 256;
    private const int UidOffset = 20;

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc")]
    private static partial uint geteuid();

    /// <summary>The effective user id of this process.</summary>
    public static uint CurrentUser => geteuid();

    /// <summary>The owner's user id, or null when the file cannot be looked at (missing, no permission on the way).</summary>
    public static unsafe uint? Of(string path)
    {
        var buffer = stackalloc byte[StatxBufferSize];
        if (statx(AtFdCwd, path, 0, StatxUid, buffer) != 0) return null;
        // stx_uid, a native-endian __u32 at the same offset on every architecture (linux/stat.h).
        return *(uint*)(buffer + UidOffset);
    }
}
