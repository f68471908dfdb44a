using System.Buffers;
using Rampart.Mail;
using Rampart.Smtp.Protocol;

namespace Rampart.Smtp.Session;

/// <summary>DATA and BDAT: content streams into the host's sink as it arrives, never whole into memory.</summary>
public sealed partial class SmtpSession
{
    private IMessageSink? chunkSink;
    private ContentFramer? chunkFramer;

    /// <summary>The spool failed under the current message (disk full, I/O error): it is read to its end, then 451.</summary>
    private bool spoolFault;

    private async Task DataAsync()
    {
        var tx = transaction!;
        // Opened before the 354 so that a spool that cannot take mail says so before the client sends it.
        var sink = await TryOpenSinkAsync(tx, isData: true);
        if (sink is null) return;
        if (ContentSentEarly() is { } early)
        {
            await sink.DisposeAsync();
            SmtpLog.ContentBeforeGoAhead(logger, facts.SessionId, facts.ClientAddress, early);
            await EndTransactionAsync(Replies.ContentBeforeGoAhead.ToString(), sink.QueueId);
            closing = true;
            await SendAsync(Replies.ContentBeforeGoAhead);
            return;
        }
        await SendAsync(Replies.StartData);
        BeginContent();
        var framer = new ContentFramer(dotStuffed: true, options.Limits.MaxMessageSize, options.Limits.MaxTextLine, options.Limits.MaxReceivedHeaders,
            options.Limits.MaxHeaderSize);
        var buffer = contentBuffer ??= new ContentBuffer(ContentFlushThreshold);
        try
        {
            while (true)
            {
                readingContent = true;
                var result = await ReadAsync(options.Limits.DataTimeout);
                readingContent = false;
                long consumed = framer.Process(result.Buffer, buffer, out bool ended);
                contentBytes += consumed;
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
            readingContent = false;
            contentDeadline = null;
            await sink.DisposeAsync();
        }
    }

    private async Task BdatAsync(SmtpCommand.Bdat bdat)
    {
        var tx = transaction!;
        if (chunkSink is null)
        {
            chunkSink = await TryOpenSinkAsync(tx, isData: false);
            if (chunkSink is null)
            {
                // The transaction is over: later pipelined chunks must get 503 and be skipped,
                // never be taken for a message that lacks this first chunk.
                await SkipChunkAsync(bdat.Size);
                await EndTransactionAsync(Replies.LocalError.ToString());
                return;
            }
            BeginContent();
            chunkFramer = new ContentFramer(dotStuffed: false, options.Limits.MaxMessageSize, options.Limits.MaxTextLine, options.Limits.MaxReceivedHeaders,
                options.Limits.MaxHeaderSize);
            state = SessionState.Chunking;
        }
        var framer = chunkFramer!;
        var buffer = contentBuffer ??= new ContentBuffer(ContentFlushThreshold);
        if (!await ReadChunkAsync(bdat.Size, (framer, buffer, chunkSink)))
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

    /// <summary>
    /// Reads exactly one chunk, through the framer into the sink, or only skipped when there is no
    /// target. False when the client went away mid-chunk.
    /// </summary>
    private async Task<bool> ReadChunkAsync(long size, (ContentFramer Framer, ContentBuffer Buffer, IMessageSink Sink)? target)
    {
        long remaining = size;
        // A chunk skipped outside any message is judged on its own rate, not a finished message's.
        if (chunkSink is null) (contentBytes, contentWaited) = (0, TimeSpan.Zero);
        while (remaining > 0)
        {
            readingContent = true;
            System.IO.Pipelines.ReadResult result;
            try
            {
                result = await ReadAsync(options.Limits.DataTimeout);
            }
            finally
            {
                readingContent = false;
            }
            var take = result.Buffer.Slice(0, Math.Min(remaining, result.Buffer.Length));
            contentBytes += take.Length;
            if (target is var (framer, buffer, sink))
            {
                framer.Process(take, buffer, out _);
                if (buffer.WrittenCount >= ContentFlushThreshold) await DrainAsync(sink, buffer);
            }
            remaining -= take.Length;
            reader.AdvanceTo(take.End);
            if (remaining > 0 && result.IsCompleted) return false;
        }
        if (target is var (_, pending, destination)) await DrainAsync(destination, pending);
        return true;
    }

    private Task<bool> SkipChunkAsync(long size) => ReadChunkAsync(size, target: null);

    /// <summary>
    /// Opens the sink and writes our Received header; on a spool failure answers 451 4.3.0 and returns
    /// null. For DATA that is a refused DATA, so input pipelined behind it closes the session.
    /// </summary>
    private async Task<IMessageSink?> TryOpenSinkAsync(SmtpTransaction tx, bool isData)
    {
        spoolFault = false;
        IMessageSink? sink = null;
        try
        {
            sink = await handler.OpenMessageAsync(facts, tx, shutdown);
            var header = ReceivedHeader.Build(facts, options.HostName, sink.QueueId, tx.Sender, tx.Recipients, clock.GetUtcNow());
            await sink.WriteAsync(header, shutdown);
            tx.Size = header.Length;
            tx.TraceLength = header.Length;
            return sink;
        }
        catch (Exception ex) when (IsSpoolFailure(ex))
        {
            SmtpLog.SpoolFailed(logger, ex, facts.SessionId);
            if (sink is not null) await sink.DisposeAsync();
            if (isData) RefuseImproperPipelining();
            await SendAsync(Replies.LocalError);
            return null;
        }
    }

    private async ValueTask DrainAsync(IMessageSink sink, ContentBuffer buffer)
    {
        if (buffer.WrittenCount == 0) return;
        try
        {
            if (!spoolFault) await sink.WriteAsync(buffer.WrittenMemory, shutdown);
        }
        catch (Exception ex) when (IsSpoolFailure(ex))
        {
            // The client's bytes keep coming: read them to the end of the message, then answer 451.
            SmtpLog.SpoolFailed(logger, ex, facts.SessionId);
            spoolFault = true;
        }
        buffer.ResetWrittenCount();
    }

    private static bool IsSpoolFailure(Exception ex) => ex is IOException or UnauthorizedAccessException;

    private async Task FinishMessageAsync(SmtpTransaction tx, IMessageSink sink, ContentFramer framer)
    {
        tx.Size += framer.Size;
        tx.HasEightBitContent = framer.SawEightBit;
        messages++;
        contentDeadline = null;
        var reply = RefusalFor(framer) ?? (spoolFault ? Replies.LocalError : await handler.MessageReceivedAsync(facts, tx, sink, shutdown));
        // Postfix forgives junk commands once a message is accepted: a client that delivers mail is not idling.
        if (reply.Code / 100 == 2) junkCommands = 0;
        await EndTransactionAsync(reply.ToString(), sink.QueueId);
        await SendAsync(reply);
    }

    private static SmtpReply? RefusalFor(ContentFramer framer) =>
        framer.TooBig ? Replies.MessageTooBig
        : framer.HeaderTooBig ? Replies.HeaderTooBig
        : framer.SawBareLineEnding ? Replies.BareLineEnding
        : framer.SawNul ? Replies.NulInContent
        : framer.StartsFolded ? Replies.StartsFolded
        : framer.SawLongLine ? Replies.TextLineTooLong
        : framer.TooManyHops ? Replies.TooManyHops
        : null;
}
