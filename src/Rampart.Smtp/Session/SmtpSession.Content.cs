using System.Buffers;
using Rampart.Mail;
using Rampart.Smtp.Protocol;

namespace Rampart.Smtp.Session;

/// <summary>
/// DATA and BDAT: content streams into the host's sink as it arrives, never whole into memory. The sink, framer
/// and buffer belong to the transaction (<see cref="SmtpTransaction"/>) and go with it.
/// </summary>
public sealed partial class SmtpSession
{
    private async Task DataAsync(SmtpCommand.Data data)
    {
        var tx = transaction!;
        // Opened before the 354 so that a spool that cannot take mail says so before the client sends it.
        if (!await TryOpenSinkAsync(tx, isData: true)) return;
        if (ContentSentEarly() is { } early)
        {
            SmtpLog.ContentBeforeGoAhead(logger, facts.SessionId, facts.ClientAddress, early);
            await EndTransactionAsync(Replies.ContentBeforeGoAhead.ToString());
            Advance(data, CommandOutcome.MessageEnded);
            closing = true;
            await SendAsync(Replies.ContentBeforeGoAhead);
            return;
        }
        await SendAsync(Replies.StartData);
        Advance(data, CommandOutcome.Accepted);
        BeginContent(tx);
        var framer = tx.Framer = NewFramer(dotStuffed: true);
        var buffer = tx.Buffer ??= new ContentBuffer(ContentFlushThreshold);
        bool complete = false;
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
                if (buffer.WrittenCount >= ContentFlushThreshold || ended) await DrainAsync(tx);
                if (ended)
                {
                    complete = true;
                    break;
                }
                if (result.IsCompleted)
                {
                    // The client vanished before "." : nothing was accepted, nothing is kept.
                    closing = true;
                    return;
                }
            }
        }
        finally
        {
            readingContent = false;
            // Cut short (the client left, a limit, a fault): the message is discarded here, so the transaction's
            // log line names no queue id; nothing was queued.
            if (!complete && tx.TakeSink() is { } discarded) await discarded.DisposeAsync();
        }
        await FinishMessageAsync(data, tx);
    }

    private async Task BdatAsync(SmtpCommand.Bdat bdat)
    {
        var tx = transaction!;
        if (tx.Sink is null)
        {
            if (!await TryOpenSinkAsync(tx, isData: false))
            {
                // The transaction is over: later pipelined chunks must get 503 and be skipped,
                // never be taken for a message that lacks this first chunk.
                await SkipChunkAsync(bdat.Size);
                await EndTransactionAsync(Replies.LocalError.ToString());
                Advance(bdat, CommandOutcome.MessageEnded);
                return;
            }
            BeginContent(tx);
            tx.Framer = NewFramer(dotStuffed: false);
        }
        Advance(bdat, CommandOutcome.Accepted);
        var framer = tx.Framer!;
        tx.Buffer ??= new ContentBuffer(ContentFlushThreshold);
        if (!await ReadChunkAsync(bdat.Size, tx))
        {
            closing = true;
            return;
        }

        if (bdat.Last)
        {
            framer.CompleteChunked();
            await FinishMessageAsync(bdat, tx);
        }
        else if (framer.Failed)
        {
            // RFC 3030 §4.2: after an error the client sends no more chunks; the transaction is over.
            var reply = RefusalFor(framer)!;
            await EndTransactionAsync(reply.ToString());
            Advance(bdat, CommandOutcome.MessageEnded);
            await SendAsync(reply);
        }
        else
        {
            await SendAsync(Replies.ChunkReceived(bdat.Size));
        }
    }

    private ContentFramer NewFramer(bool dotStuffed) => new(dotStuffed, options.Limits.MaxMessageSize, options.Limits.MaxTextLine,
        options.Limits.MaxReceivedHeaders, options.Limits.MaxHeaderSize);

    /// <summary>
    /// Reads exactly one chunk, through the transaction's framer into its sink, or only skipped when there is no
    /// target. False when the client went away mid-chunk.
    /// </summary>
    private async Task<bool> ReadChunkAsync(long size, SmtpTransaction? target)
    {
        long remaining = size;
        // A chunk skipped outside any message is judged on its own rate, not a finished message's.
        if (transaction?.Sink is null) (contentBytes, contentWaited) = (0, TimeSpan.Zero);
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
            if (target is not null)
            {
                target.Framer!.Process(take, target.Buffer!, out _);
                if (target.Buffer!.WrittenCount >= ContentFlushThreshold) await DrainAsync(target);
            }
            remaining -= take.Length;
            reader.AdvanceTo(take.End);
            if (remaining > 0 && result.IsCompleted) return false;
        }
        if (target is not null) await DrainAsync(target);
        return true;
    }

    private Task<bool> SkipChunkAsync(long size) => ReadChunkAsync(size, target: null);

    /// <summary>
    /// Opens the transaction's sink and writes our Received header; on a spool failure answers 451 4.3.0 and returns
    /// false. For DATA that is a refused DATA, so input pipelined behind it closes the session.
    /// </summary>
    private async Task<bool> TryOpenSinkAsync(SmtpTransaction tx, bool isData)
    {
        tx.SpoolFault = false;
        IMessageSink? sink = null;
        try
        {
            sink = await handler.OpenMessageAsync(facts, tx, shutdown);
            var header = ReceivedHeader.Build(facts, options.HostName, sink.QueueId, tx.Sender, tx.Recipients, clock.GetUtcNow());
            await sink.WriteAsync(header, shutdown);
            tx.Size = header.Length;
            tx.TraceLength = header.Length;
            tx.Sink = sink;
            return true;
        }
        catch (Exception ex) when (IsSpoolFailure(ex))
        {
            SmtpLog.SpoolFailed(logger, ex, facts.SessionId);
            if (sink is not null) await sink.DisposeAsync();
            if (isData) RefuseImproperPipelining();
            await SendAsync(Replies.LocalError);
            return false;
        }
    }

    private async ValueTask DrainAsync(SmtpTransaction tx)
    {
        var buffer = tx.Buffer!;
        if (buffer.WrittenCount == 0) return;
        try
        {
            if (!tx.SpoolFault) await tx.Sink!.WriteAsync(buffer.WrittenMemory, shutdown);
        }
        catch (Exception ex) when (IsSpoolFailure(ex))
        {
            // The client's bytes keep coming: read them to the end of the message, then answer 451.
            SmtpLog.SpoolFailed(logger, ex, facts.SessionId);
            tx.SpoolFault = true;
        }
        buffer.ResetWrittenCount();
    }

    private static bool IsSpoolFailure(Exception ex) => ex is IOException or UnauthorizedAccessException;

    /// <summary>The content is complete (DATA's dot or BDAT LAST): the host judges it, the transaction ends, then the reply.</summary>
    private async Task FinishMessageAsync(SmtpCommand command, SmtpTransaction tx)
    {
        var framer = tx.Framer!;
        tx.Size += framer.Size;
        tx.HasEightBitContent = framer.SawEightBit;
        messages++;
        tx.ContentDeadline = null;
        // Taken from the transaction so that it is disposed after the reply is queued, as the host left it.
        await using var sink = tx.TakeSink()!;
        long contentEnded = System.Diagnostics.Stopwatch.GetTimestamp();
        // The message's filters and commit, the long part of a session, go to the thread pool.
        await EventThreads.LeaveAsync();
        var reply = RefusalFor(framer) ?? (tx.SpoolFault ? Replies.LocalError : await handler.MessageReceivedAsync(facts, tx, sink, shutdown));
        if (reply.Code / 100 == 2)
        {
            Meters?.MessageAccepted(tx.Size, contentEnded);
            // Postfix forgives junk commands once a message is accepted: a client that delivers mail is not idling.
            junkCommands = 0;
        }
        await EndTransactionAsync(reply.ToString(), sink.QueueId);
        Advance(command, CommandOutcome.MessageEnded);
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
