using System.Buffers;

namespace Rampart.Delivery.Smtp;

/// <summary>
/// DATA content transparency (RFC 5321 §4.5.2): a line that starts with "." gets a second one, and the
/// content ends with CRLF "." CRLF. Streams block by block, keeping only whether the next byte starts a line
/// and the last two bytes seen, so a message of any size needs no more memory than one block.
/// </summary>
internal sealed class DotStuffer
{
    private bool atLineStart = true;
    private byte last;
    private byte beforeLast;
    private bool any;

    public void Write(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        if (input.IsEmpty) return;
        any = true;
        beforeLast = input.Length > 1 ? input[^2] : last;
        last = input[^1];
        while (!input.IsEmpty)
        {
            if (atLineStart && input[0] == (byte)'.') output.Write("."u8);
            // A bare LF also starts a line for the receiver's dot detection: stuff after it too.
            int lf = input.IndexOf((byte)'\n');
            var run = lf < 0 ? input : input[..(lf + 1)];
            output.Write(run);
            atLineStart = lf >= 0;
            input = input[run.Length..];
        }
    }

    /// <summary>The terminator; a CRLF first if the content does not end with one (the spool's always does).</summary>
    public void Finish(IBufferWriter<byte> output)
    {
        if (any && !(beforeLast == (byte)'\r' && last == (byte)'\n')) output.Write("\r\n"u8);
        output.Write(".\r\n"u8);
    }
}
