using System.Buffers;
using Rampart.Mail;
using Rampart.Smtp.Protocol;

namespace Rampart.Smtp.Session;

/// <summary>DATA and BDAT: content streams into the host's sink as it arrives, never whole into memory.</summary>
public sealed partial class SmtpSession
{
    private IMessageSink? chunkSink;
    private ContentFramer? chunkFramer;

    private async Task DataAsync()
    {
        var tx = transaction!;
        await SendAsync(Replies.StartData);
        var sink = await OpenSinkAsync(tx);
        var framer = new ContentFramer(dotStuffed: true, options.Limits.MaxMessageSize, options.Limits.MaxTextLine);
        var buffer = contentBuffer ??= new ArrayBufferWriter<byte>(ContentFlushThreshold);
        try
        {
            while (true)
            {
                var result = await ReadAsync(options.Limits.DataTimeout);
                long consumed = framer.Process(result.Buffer, buffer, out bool ended);
                reader.AdvanceTo(result.Buffer.GetPosition(consumed));
                if (buffer.WrittenCount >= ContentFlushThreshold || ended) await DrainAsync(sink, buffer);
                if (ended) break;
                if (result.IsCompleted)
                {
                    // The client vanished before "." : nothing was accepted, nothing is kept.
                    closing = true;
                    return;
                }
            }
            await FinishMessageAsync(tx, sink, framer);
        }
        finally
        {
            buffer.ResetWrittenCount();
            await sink.DisposeAsync();
        }
    }

    private async Task BdatAsync(SmtpCommand.Bdat bdat)
    {
        var tx = transaction!;
        if (chunkSink is null)
        {
            chunkSink = await OpenSinkAsync(tx);
            chunkFramer = new ContentFramer(dotStuffed: false, options.Limits.MaxMessageSize, options.Limits.MaxTextLine);
            state = SessionState.Chunking;
        }
        var framer = chunkFramer!;
        var buffer = contentBuffer ??= new ArrayBufferWriter<byte>(ContentFlushThreshold);
        if (!await ReadChunkAsync(bdat.Size, framer, buffer, chunkSink))
        {
            closing = true;
            return;
        }

        if (bdat.Last)
        {
            framer.CompleteChunked();
            var sink = chunkSink;
            chunkSink = null;
            chunkFramer = null;
            await using (sink)
            {
                await FinishMessageAsync(tx, sink, framer);
            }
        }
        else if (framer.Failed)
        {
            // RFC 3030 §4.2: after an error the client sends no more chunks; the transaction is over.
            var reply = RefusalFor(framer)!;
            await EndTransactionAsync(reply.ToString());
            await SendAsync(reply);
        }
        else
        {
            await SendAsync(new SmtpReply(250, new EnhancedStatusCode(2, 0, 0), $"{bdat.Size} octets received"));
        }
    }

    /// <summary>Reads exactly one chunk through the framer. False when the client went away mid-chunk.</summary>
    private async Task<bool> ReadChunkAsync(long size, ContentFramer? framer, ArrayBufferWriter<byte> buffer, IMessageSink? sink)
    {
        long remaining = size;
        try
        {
            while (remaining > 0)
            {
                var result = await ReadAsync(options.Limits.DataTimeout);
                var take = result.Buffer.Slice(0, Math.Min(remaining, result.Buffer.Length));
                framer?.Process(take, buffer, out _);
                remaining -= take.Length;
                reader.AdvanceTo(take.End);
                if (sink is not null && buffer.WrittenCount >= ContentFlushThreshold) await DrainAsync(sink, buffer);
                if (remaining > 0 && result.IsCompleted) return false;
            }
            if (sink is not null) await DrainAsync(sink, buffer);
            return true;
        }
        finally
        {
            buffer.ResetWrittenCount();
        }
    }

    private Task<bool> SkipChunkAsync(long size) =>
        ReadChunkAsync(size, framer: null, contentBuffer ??= new ArrayBufferWriter<byte>(ContentFlushThreshold), sink: null);

    private async Task<IMessageSink> OpenSinkAsync(SmtpTransaction tx)
    {
        var sink = await handler.OpenMessageAsync(facts, tx, shutdown);
        var header = ReceivedHeader.Build(facts, options.HostName, sink.QueueId, tx.Sender, tx.Recipients, clock.GetUtcNow());
        await sink.WriteAsync(header, shutdown);
        tx.Size = header.Length;
        return sink;
    }

    private async ValueTask DrainAsync(IMessageSink sink, ArrayBufferWriter<byte> buffer)
    {
        if (buffer.WrittenCount == 0) return;
        await sink.WriteAsync(buffer.WrittenMemory, shutdown);
        buffer.ResetWrittenCount();
    }

    private async Task FinishMessageAsync(SmtpTransaction tx, IMessageSink sink, ContentFramer framer)
    {
        tx.Size += framer.Size;
        tx.HasEightBitContent = framer.SawEightBit;
        messages++;
        var reply = RefusalFor(framer) ?? await handler.MessageReceivedAsync(facts, tx, sink, shutdown);
        await EndTransactionAsync(reply.ToString(), sink.QueueId);
        await SendAsync(reply);
    }

    private static SmtpReply? RefusalFor(ContentFramer framer) =>
        framer.TooBig ? Replies.MessageTooBig
        : framer.SawBareLineEnding ? Replies.BareLineEnding
        : framer.SawLongLine ? Replies.TextLineTooLong
        : null;
}
