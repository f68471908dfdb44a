using System.Buffers;
using Rampart.Mail;

namespace Rampart.Delivery.Smtp;

/// <summary>
/// One mail transaction: MAIL, RCPT for each recipient, then DATA (dot-stuffed) or BDAT chunks (RFC 3030).
/// With PIPELINING the envelope goes out in one write and the replies are read afterwards (RFC 2920 §3.1);
/// without it, in lock-step. Each recipient gets its own reply: the RCPT refusal if refused, else the reply
/// to the end of the content.
/// </summary>
public sealed partial class SmtpClientConnection
{
    /// <summary>BDAT chunk size: large enough that the round trip per chunk is noise, small enough to bound memory.</summary>
    internal const int ChunkSize = 1024 * 1024;

    /// <summary>DATA is streamed in blocks of this size, each write bounded by DataBlockTimeout.</summary>
    private const int BlockSize = 64 * 1024;

    /// <summary>Set once the peer said 421 (RFC 5321 §3.8): it closes the connection, nothing more may be sent.</summary>
    private bool closedByPeer;

    private sealed record Content(Func<Stream> Open, long Length);

    /// <summary>
    /// Sends one message; returns one reply per recipient, in order, as the peer sent it. A broken connection
    /// throws <see cref="SmtpClientException"/> (451 4.4.x for every recipient): with TryNextHost true when
    /// the end of the content had not been sent yet (nothing can have been delivered), false afterwards (the
    /// peer may have taken the message: retry later rather than at once elsewhere, RFC 1047).
    /// </summary>
    public async Task<IReadOnlyList<SmtpReply>> SendAsync(OutgoingMessage message, CancellationToken ct)
    {
        if (!IsReusable) throw new InvalidOperationException($"the connection to {Peer} is not ready for a transaction");
        if (message.Recipients.Count == 0) throw new ArgumentException("a transaction needs at least one recipient", nameof(message));
        int count = message.Recipients.Count;

        // RFC 6531 §3.4: an SMTPUTF8 message cannot be sent to a host without it; RFC 6533 gives the status.
        if (message.Sender.SmtpUtf8 && !Capabilities.SmtpUtf8) return All(count, ClientReplies.NoSmtpUtf8);
        if (TooBig(message.ContentLength) is { } early) return All(count, early);

        var (body, content) = await PrepareContentAsync(message, ct);
        if (TooBig(content.Length) is { } late) return All(count, late);

        IsReusable = false;
        channel.ContentCommitted = false;
        var replies = await TransactAsync(message, body, content, ct);
        IsReusable = !channel.Broken && !closedByPeer;
        return replies;
    }

    /// <summary>RFC 1870 §6.1: a message over the announced SIZE is not sent at all; the limit is the peer's and permanent.</summary>
    private SmtpReply? TooBig(long length) =>
        Capabilities.MaxSize is { } max && length > max
            ? ClientReplies.TooBig(length, max, Peer)
            : null;

    /// <summary>Which BODY= to declare, converting to 7-bit when the peer cannot take what the message is.</summary>
    private async Task<(BodyType, Content)> PrepareContentAsync(OutgoingMessage message, CancellationToken ct)
    {
        var original = new Content(message.OpenContent, message.ContentLength);
        var declared = message.Sender.Body;
        // Decided on what the content holds (the receiving side recorded whether any byte was >= 0x80), not on
        // the BODY= the client declared: many clients declare 8BITMIME for every message, and converting clean
        // 7-bit mail rewrites it for nothing and breaks its DKIM signature (RFC 6376 §5.3). Binary content is
        // the exception: its lines need not fit SMTP's even when every byte is below 0x80.
        bool eightBit = declared == BodyType.BinaryMime || message.EightBitContent;
        // RFC 3030 §3: BINARYMIME needs BDAT; binary content cannot travel as DATA lines at all.
        if (declared == BodyType.BinaryMime && Capabilities.BinaryMime && Capabilities.Chunking) return (BodyType.BinaryMime, original);
        // RFC 6152 §3: the declaration is passed on where the next hop takes it.
        if (declared != BodyType.BinaryMime && (eightBit || declared == BodyType.EightBitMime) && Capabilities.EightBitMime)
        {
            return (BodyType.EightBitMime, original);
        }
        if (!eightBit) return (BodyType.SevenBit, original);

        var converted = await SevenBitDowngrade.ConvertAsync(message.OpenContent, ct);
        return (BodyType.SevenBit, new Content(() => new MemoryStream(converted, writable: false), converted.Length));
    }

    private async Task<IReadOnlyList<SmtpReply>> TransactAsync(OutgoingMessage message, BodyType body, Content content, CancellationToken ct)
    {
        var caps = Capabilities;
        bool bdat = caps.Chunking;
        var recipients = message.Recipients;
        var rcptReplies = new SmtpReply?[recipients.Count];
        SmtpReply? dataReply = null;

        channel.WriteLine(EnvelopeCommands.Mail(message.Sender, caps, content.Length, body));
        SmtpReply mailReply;
        if (caps.Pipelining)
        {
            foreach (var recipient in recipients) channel.WriteLine(EnvelopeCommands.Rcpt(recipient, caps));
            if (!bdat) channel.WriteLine("DATA");
            await channel.FlushAsync(options.CommandTimeout, "the envelope", ct);
            mailReply = await ReadAsync(options.CommandTimeout, "MAIL FROM", ct);
            for (int i = 0; i < recipients.Count && !closedByPeer; i++)
            {
                rcptReplies[i] = await ReadAsync(options.CommandTimeout, $"RCPT TO:<{recipients[i].Address}>", ct);
            }
            if (!bdat && !closedByPeer) dataReply = await ReadAsync(options.DataInitiationTimeout, "DATA", ct);
        }
        else
        {
            await channel.FlushAsync(options.CommandTimeout, "MAIL FROM", ct);
            mailReply = await ReadAsync(options.CommandTimeout, "MAIL FROM", ct);
            for (int i = 0; i < recipients.Count && mailReply.IsPositive && !closedByPeer; i++)
            {
                rcptReplies[i] = await LockStepAsync(EnvelopeCommands.Rcpt(recipients[i], caps), options.CommandTimeout, $"RCPT TO:<{recipients[i].Address}>", ct);
            }
            if (!bdat && !closedByPeer && rcptReplies.Any(r => r is { IsPositive: true }))
            {
                dataReply = await LockStepAsync("DATA", options.DataInitiationTimeout, "DATA", ct);
            }
        }

        if (closedByPeer) return Outcome(mailReply, rcptReplies, ClosingReply(mailReply, rcptReplies, dataReply));
        // RFC 2920 §3.1: a 354 after a refused MAIL or no accepted RCPT is answered with an empty message.
        if (dataReply is { Code: 354 } && (!mailReply.IsPositive || !rcptReplies.Any(r => r!.IsPositive)))
        {
            channel.Output.Write(".\r\n"u8);
            await channel.FlushAsync(options.CommandTimeout, "an empty message", ct);
            await ReadAsync(options.DataTerminationTimeout, "the end of an empty message", ct);
            dataReply = null;
        }
        if (!mailReply.IsPositive) return await ResetAsync(All(recipients.Count, mailReply), ct);
        if (!rcptReplies.Any(r => r!.IsPositive)) return await ResetAsync(Outcome(mailReply, rcptReplies, mailReply), ct);
        if (!bdat && dataReply is not { Code: 354 }) return await ResetAsync(Outcome(mailReply, rcptReplies, dataReply!), ct);

        var (final, complete) = bdat ? await SendChunksAsync(content, ct) : (await SendDataAsync(content, ct), true);
        if (closedByPeer) return Outcome(mailReply, rcptReplies, final);
        // A refused BDAT chunk leaves the transaction open (RFC 3030 §4.2); after the last one it is over.
        return complete ? Outcome(mailReply, rcptReplies, final) : await ResetAsync(Outcome(mailReply, rcptReplies, final), ct);
    }

    /// <summary>Refused recipients keep their own reply; the accepted ones (and the unanswered, after a 421) get <paramref name="final"/>.</summary>
    private static IReadOnlyList<SmtpReply> Outcome(SmtpReply mailReply, SmtpReply?[] rcptReplies, SmtpReply final)
    {
        if (!mailReply.IsPositive) return All(rcptReplies.Length, mailReply);
        return rcptReplies.Select(r => r is { IsPositive: false, Code: not 421 } ? r : final).ToArray();
    }

    private static SmtpReply ClosingReply(SmtpReply mailReply, SmtpReply?[] rcptReplies, SmtpReply? dataReply) =>
        new[] { mailReply, dataReply }.Concat(rcptReplies).First(r => r is { Code: 421 })!;

    private static SmtpReply[] All(int count, SmtpReply reply) => Enumerable.Repeat(reply, count).ToArray();

    private async Task<SmtpReply> ReadAsync(TimeSpan timeout, string what, CancellationToken ct)
    {
        var reply = await channel.ReadReplyAsync(timeout, what, ct);
        if (reply.Code == 421) closedByPeer = true;
        return reply;
    }

    private async Task<SmtpReply> LockStepAsync(string command, TimeSpan timeout, string what, CancellationToken ct)
    {
        channel.WriteLine(command);
        await channel.FlushAsync(options.CommandTimeout, what, ct);
        return await ReadAsync(timeout, what, ct);
    }

    /// <summary>DATA content, dot-stuffed block by block, then the final reply (RFC 5321 §4.5.3.2.6 timeout).</summary>
    private async Task<SmtpReply> SendDataAsync(Content content, CancellationToken ct)
    {
        var stuffer = new DotStuffer();
        var block = ArrayPool<byte>.Shared.Rent(BlockSize);
        try
        {
            // A failing spool read throws as it is: the connection is then mid-DATA and stays unusable.
            await using var stream = content.Open();
            // Content that fits one block (most mail) is read synchronously: it was written moments ago and sits
            // in the page cache, and an async file read on Linux is a thread-pool hop costing more than the copy.
            bool small = content.Length <= BlockSize;
            int read;
            while ((read = small ? stream.Read(block, 0, BlockSize) : await stream.ReadAsync(block.AsMemory(0, BlockSize), ct)) > 0)
            {
                stuffer.Write(block.AsSpan(0, read), channel.Output);
                // Sent once a block's worth is buffered; the rest goes out with the final "." below, so a small
                // message costs one write to the socket instead of two.
                if (channel.UnflushedBytes >= BlockSize) await channel.FlushAsync(options.DataBlockTimeout, "the content", ct);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(block);
        }
        stuffer.Finish(channel.Output);
        channel.ContentCommitted = true;
        await channel.FlushAsync(options.DataBlockTimeout, "the end of the content", ct);
        return await ReadAsync(options.DataTerminationTimeout, "the end of the content", ct);
    }

    /// <summary>
    /// BDAT chunks (RFC 3030 §2): no dot-stuffing, each chunk's length up front, the last one marked LAST
    /// (a message whose size is a multiple of the chunk ends with "BDAT 0 LAST"). Returns the last reply read
    /// and whether it answered the LAST chunk.
    /// </summary>
    private async Task<(SmtpReply Reply, bool Complete)> SendChunksAsync(Content content, CancellationToken ct)
    {
        var chunk = ArrayPool<byte>.Shared.Rent((int)Math.Min(ChunkSize, content.Length + 1));
        try
        {
            await using var stream = content.Open();
            while (true)
            {
                int filled = 0, read;
                while (filled < chunk.Length && (read = await stream.ReadAsync(chunk.AsMemory(filled), ct)) > 0) filled += read;
                bool last = filled < chunk.Length;
                channel.WriteLine(last ? $"BDAT {filled} LAST" : $"BDAT {filled}");
                channel.Output.Write(chunk.AsSpan(0, filled));
                if (last) channel.ContentCommitted = true;
                await channel.FlushAsync(options.DataBlockTimeout, "a BDAT chunk", ct);
                var reply = await ReadAsync(last ? options.DataTerminationTimeout : options.CommandTimeout, last ? "BDAT LAST" : "BDAT", ct);
                if (last || !reply.IsPositive) return (reply, last);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>
    /// RSET after an unfinished transaction so the next one starts clean. The outcomes are already known, so a
    /// failing RSET only makes the connection unusable; it never changes them.
    /// </summary>
    private async Task<IReadOnlyList<SmtpReply>> ResetAsync(IReadOnlyList<SmtpReply> outcome, CancellationToken ct)
    {
        if (closedByPeer || channel.Broken) return outcome;
        try
        {
            var reply = await LockStepAsync("RSET", options.CommandTimeout, "RSET", ct);
            if (reply.Code != 250) closedByPeer = true;
        }
        catch (SmtpClientException)
        {
            // channel.Broken is set: IsReusable will be false.
        }
        return outcome;
    }
}
