using System.Buffers;

namespace Rampart.Mail;

/// <summary>
/// The pool for the buffers every message in flight holds: the session's DATA buffer and the spool writer's, 64 KiB
/// each to start. <see cref="ArrayPool{T}.Shared"/> keeps a few dozen arrays of a size per core, fewer than a busy gateway
/// has messages in flight, so under load a good share of rents allocated anew (measured with 50 sessions: a quarter of
/// the DATA buffers in the anti-spam chain). This one keeps up to <see cref="ArraysPerSize"/> arrays of each size, and
/// only what a burst gave back: at most 8 MiB of 64 KiB arrays, and 16 and 32 MiB of the 128 and 256 KiB ones that
/// larger messages grow into.
/// </summary>
public static class MessageBuffers
{
    public const int ArraysPerSize = 128;

    public static ArrayPool<byte> Pool { get; } = ArrayPool<byte>.Create(maxArrayLength: 1024 * 1024, maxArraysPerBucket: ArraysPerSize);
}
