using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using Microsoft.Extensions.Logging;
using Rampart.Mail;
using Rampart.Smtp.Protocol;

namespace Rampart.Smtp.Session;

/// <summary>
/// One SMTP connection, from greeting to close: the reader loop (Kestrel's shape: parse complete
/// lines, AdvanceTo, then check completion), the state table, and reply batching for PIPELINING
/// (RFC 2920 §3.1: replies are flushed only when no further command is already buffered).
/// Command handlers live in SmtpSession.Commands.cs, content reception in SmtpSession.Content.cs, the session-wide
/// bounds (time limits, minimum data rate, junk commands) in SmtpSession.Limits.cs.
/// </summary>
public sealed partial class SmtpSession
{
    private const int ContentFlushThreshold = 64 * 1024;

    /// <summary>How long the closing reply and the buffered output may take to leave once the session is over.</summary>
    private static readonly TimeSpan LastWordsGrace = TimeSpan.FromSeconds(5);

    private readonly Stream network;
    private readonly SessionFacts facts;
    private readonly ISmtpSessionHandler handler;
    private readonly SmtpSessionOptions options;
    private readonly ILogger logger;
    private readonly CancellationToken shutdown;
    private readonly ClockTimeout readTimeout;
    private readonly TimeProvider clock;

    private PipeReader reader;
    private PipeWriter writer;
    private SslStream? tls;
    private SessionState state = SessionState.Connected;
    private SmtpTransaction? transaction;
    private int errors;
    private int messages;
    private bool closing;
    private bool skippingLongLine;

    /// <summary>The client stopped reading: nothing more can be sent, the connection is only cut.</summary>
    private bool writeStalled;
    private bool skippedLineWasBdat;

    /// <summary>The command being answered, for the refusal line; null before the first and for a line that did not parse.</summary>
    private SmtpCommand? current;

    /// <summary>A line that did not parse, as the refusal line shows it.</summary>
    private string? unparsed;

    public SmtpSession(Stream network, SessionFacts facts, ISmtpSessionHandler handler, SmtpSessionOptions options,
        ILogger logger, TimeProvider clock, CancellationToken shutdown)
    {
        this.network = network;
        this.facts = facts;
        this.handler = handler;
        this.options = options;
        this.logger = logger;
        this.clock = clock;
        this.shutdown = shutdown;
        readTimeout = new ClockTimeout(clock, shutdown);
        (reader, writer) = CreatePipes(network);
    }

    public SessionFacts Facts => facts;

    /// <summary>
    /// Called once, just before the session's closing reply (221, 421, 521) is sent. The listener frees the
    /// client's connection slot here: a client that reconnects as soon as it reads the 221 (smtp-source does)
    /// must not be refused because this session, logically over, has not yet torn down its socket.
    /// </summary>
    public Action? Closing { get; set; }

    public async Task RunAsync()
    {
        SmtpLog.SessionStarted(logger, facts.SessionId, facts.ListenerName, facts.ClientAddress, facts.RemoteEndPoint.Port);
        sessionDeadline = clock.GetUtcNow() + options.Limits.MaxSessionDuration;
        try
        {
            var verdict = await handler.ConnectedAsync(facts, shutdown);
            if (verdict is { IsPositive: false })
            {
                closing = true;
                await SendAsync(verdict);
                return;
            }
            if (options.Limits.GreetingDelay > TimeSpan.Zero && await SpeaksBeforeGreetingAsync(options.Limits.GreetingDelay))
            {
                SmtpLog.PregreetTalker(logger, facts.SessionId, facts.ClientAddress);
                closing = true;
                await SendAsync(Replies.PregreetTalker);
                return;
            }
            await SendAsync(verdict ?? Replies.Greeting(options.HostName, options.Banner));

            while (!closing)
            {
                var parsed = await ReadCommandAsync();
                if (parsed is null) break;
                current = parsed.Value.Command;
                if (parsed.Value.Command is { } command)
                {
                    await DispatchAsync(command);
                    continue;
                }
                // A BDAT whose size cannot be read leaves its chunk unframed: the only safe move is to close.
                if (parsed.Value.Error == CommandError.BdatSyntax) closing = true;
                await SendAsync(Replies.For(parsed.Value.Error));
            }
        }
        catch (SessionLimitExceededException ex)
        {
            await TrySendAsync(LimitReached(ex.Limit));
        }
        catch (TimeoutException)
        {
            SmtpLog.SessionTimedOut(logger, facts.SessionId, state);
            if (!writeStalled) await TrySendAsync(Replies.Timeout);
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
            await TrySendAsync(Replies.ShuttingDown);
        }
        catch (Exception ex) when (ex is IOException or SocketException or AuthenticationException or ObjectDisposedException)
        {
            SmtpLog.SessionLost(logger, facts.SessionId, ex.Message);
        }
        catch (Exception ex)
        {
            // A fault of ours: the client is told to try later (451/421 4.3.0), never a bare 5xx.
            SmtpLog.SessionFault(logger, ex, facts.SessionId);
            await TrySendAsync(Replies.LocalErrorClosing);
        }
        finally
        {
            await EndTransactionAsync("disconnected");
            await DisposeTransportAsync();
            SmtpLog.SessionEnded(logger, facts.SessionId, messages, errors);
            Meters?.SessionEnded(facts.IsTls);
        }
    }

    /// <summary>
    /// Sends "220-hostname" and listens for <paramref name="delay"/>: a real client waits for the greeting's last
    /// line, a spam bot talks at once (or hangs up). The greeting then ends with the usual 220 line.
    /// </summary>
    private async ValueTask<bool> SpeaksBeforeGreetingAsync(TimeSpan delay)
    {
        WriteRaw($"220-{Replies.Greeting(options.HostName, options.Banner).Lines[0]}\r\n");
        try
        {
            await ReadAsync(delay);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private void WriteRaw(string line)
    {
        var bytes = System.Text.Encoding.ASCII.GetBytes(line);
        bytes.CopyTo(writer.GetSpan(bytes.Length));
        writer.Advance(bytes.Length);
    }

    private static (PipeReader, PipeWriter) CreatePipes(Stream stream) => (
        // Zero-byte reads keep no buffer rented while a connection is idle: thousands of idle
        // clients then cost little more than their sockets.
        PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 4096, leaveOpen: true, useZeroByteReads: true)),
        PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 4096, leaveOpen: true)));

    /// <summary>Reads one command line. Returns null when the client has gone.</summary>
    private async ValueTask<ParseResult?> ReadCommandAsync()
    {
        int max = options.Limits.MaxCommandLine;
        while (true)
        {
            var result = await ReadAsync(options.Limits.CommandTimeout);
            var buffer = result.Buffer;
            var lf = buffer.PositionOf((byte)'\n');
            if (lf is null)
            {
                if (buffer.Length > max)
                {
                    // Discard what we have and everything up to the next LF: one reply for the whole line.
                    if (!skippingLongLine) skippedLineWasBdat = LooksLikeBdat(buffer);
                    skippingLongLine = true;
                    reader.AdvanceTo(buffer.End);
                }
                else
                {
                    reader.AdvanceTo(buffer.Start, buffer.End);
                }
                if (result.IsCompleted) return null;
                continue;
            }

            var line = buffer.Slice(0, lf.Value);
            var parsed = ParseLine(line, max);
            reader.AdvanceTo(buffer.GetPosition(1, lf.Value));
            return parsed;
        }
    }

    private ParseResult ParseLine(ReadOnlySequence<byte> line, int max)
    {
        bool skippedBdat = skippedLineWasBdat;
        skippedLineWasBdat = false;
        bool skippedStart = skippingLongLine;
        var result = ParseFramedLine(line, max);
        unparsed = result.Command is not null ? null
            : skippedStart ? "(line too long)"
            : CommandText.DescribeUnparsed(line.Slice(0, Math.Min(line.Length, 512)).ToArray().AsSpan().TrimEnd((byte)'\r'));
        // A BDAT line we cannot act on still announces a chunk we cannot size: treat it as BDAT
        // syntax, which closes the connection, so the chunk is never read as commands.
        return result.Command is null && (skippedBdat || LooksLikeBdat(line)) ? ParseResult.Fail(CommandError.BdatSyntax) : result;
    }

    /// <summary>"BDAT" followed by a space (or nothing), whatever else is wrong with the line.</summary>
    private static bool LooksLikeBdat(ReadOnlySequence<byte> line)
    {
        if (line.Length < 4) return false;
        Span<byte> verb = stackalloc byte[5];
        int length = (int)Math.Min(5, line.Length);
        line.Slice(0, length).CopyTo(verb);
        return Ascii.EqualsIgnoreCase(verb[..4], "BDAT"u8) && (length == 4 || verb[4] == (byte)' ');
    }

    private ParseResult ParseFramedLine(ReadOnlySequence<byte> line, int max)
    {
        if (skippingLongLine)
        {
            skippingLongLine = false;
            return ParseResult.Fail(CommandError.LineTooLong);
        }
        if (line.Length + 1 > max) return ParseResult.Fail(CommandError.LineTooLong);

        Span<byte> copy = stackalloc byte[(int)line.Length];
        line.CopyTo(copy);
        if (copy.IsEmpty || copy[^1] != (byte)'\r') return ParseResult.Fail(CommandError.BareLineEnding);
        var text = copy[..^1];
        if (text.IndexOf((byte)'\r') >= 0) return ParseResult.Fail(CommandError.BareLineEnding);
        return CommandParser.Parse(text);
    }

    /// <summary>
    /// Buffered input is processed without flushing replies (PIPELINING); only when a read would wait
    /// do the pending replies go out. Every wait is bounded by the timeout of the current phase.
    /// </summary>
    private async ValueTask<ReadResult> ReadAsync(TimeSpan timeout)
    {
        // Checked even when input is waiting: a client that keeps the buffer full still has a session time limit.
        if (Bound(TimeSpan.MaxValue, withRate: false) is ({ Ticks: <= 0 }, { } passed)) throw new SessionLimitExceededException(passed);
        if (reader.TryRead(out var ready)) return ready;
        await FlushAsync();
        var (wait, limit) = Bound(timeout, withRate: true);
        if (wait <= TimeSpan.Zero) throw new SessionLimitExceededException(limit!.Value);
        readTimeout.CancelAfter(wait);
        long started = clock.GetTimestamp();
        try
        {
            return await reader.ReadAsync(readTimeout.Token);
        }
        catch (OperationCanceledException) when (!shutdown.IsCancellationRequested)
        {
            if (limit is { } reached) throw new SessionLimitExceededException(reached);
            throw new TimeoutException();
        }
        finally
        {
            if (readingContent) contentWaited += clock.GetElapsedTime(started);
            readTimeout.Reset();
        }
    }

    /// <summary>
    /// Sends the pending replies, bounded like a read: a client that pipelines without reading its
    /// replies fills the TCP window, and must not hold its connection slot forever.
    /// </summary>
    private async ValueTask FlushAsync()
    {
        readTimeout.CancelAfter(options.Limits.CommandTimeout);
        try
        {
            await writer.FlushAsync(readTimeout.Token);
        }
        catch (OperationCanceledException) when (!shutdown.IsCancellationRequested)
        {
            writeStalled = true;
            throw new TimeoutException();
        }
        finally
        {
            readTimeout.Reset();
        }
    }

    /// <summary>
    /// Queues a reply; counts failures and closes the session at the error limit. Every refusal passes here, so
    /// this is where each gets its one log line, whoever decided it.
    /// </summary>
    private ValueTask SendAsync(SmtpReply reply)
    {
        ReplyWriter.Write(writer, reply);
        // RFC 5321 §3.8: after 421 (and 221, and RFC 7504's 521) the server closes the connection.
        if (reply.Code is 421 or 221 or 521)
        {
            closing = true;
        }
        LogRefusal(reply);
        // RFC 5321 §4.5.3.1.10: 452 for surplus recipients is flow control, not a client error.
        if (reply.Code >= 400 && reply != Replies.TooManyRecipients && !closing && ++errors >= options.Limits.MaxErrors)
        {
            ReplyWriter.Write(writer, Replies.TooManyErrors);
            closing = true;
            LogRefusal(Replies.TooManyErrors);
        }
        if (!closing) return ValueTask.CompletedTask;
        Closing?.Invoke();
        Closing = null;
        return FlushAsync();
    }

    private void LogRefusal(SmtpReply reply)
    {
        if (reply.Code < 400) return;
        Meters?.Refused(RefusalStageOf(current, unparsed), reply);
        var level = closing || current is SmtpCommand.Auth ? LogLevel.Warning : LogLevel.Information;
        if (!logger.IsEnabled(level)) return;
        SmtpLog.Refused(logger, level, facts.SessionId, facts.ClientAddress, facts.ListenerName, LogText.Escape(facts.HeloName),
            current is not null ? CommandText.Describe(current) : unparsed ?? CommandText.Connect,
            reply.Code, reply.Status?.ToString() ?? "", LogText.Escape(reply.Text),
            transaction is { } tx ? LogText.Escape(tx.Sender.Address) : "-");
    }

    /// <summary>
    /// The last words of a session that ends for its own reasons (timeout, shutdown, fault), each already logged
    /// by its own event: no refusal line.
    /// </summary>
    private async Task TrySendAsync(SmtpReply reply)
    {
        // The session's last words (timeout, shutdown, a fault, a session limit) are refusals like any other: counted
        // in rampart_refusals_total and logged as Refused, under the stage of the last command (docs/metrics.md).
        closing = true;
        LogRefusal(reply);
        try
        {
            ReplyWriter.Write(writer, reply);
            using var grace = new CancellationTokenSource(LastWordsGrace, clock);
            await writer.FlushAsync(grace.Token);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // The peer is gone already; nothing more to tell it.
        }
    }

    private async Task DisposeTransportAsync()
    {
        if (writeStalled) await network.DisposeAsync();
        try
        {
            // Completing the writer sends what is still buffered; a peer that reads nothing must not
            // stall it, so after a grace period the connection is cut instead.
            await writer.CompleteAsync().AsTask().WaitAsync(LastWordsGrace, clock);
            await reader.CompleteAsync();
            if (tls is not null) await tls.DisposeAsync();
        }
        catch (TimeoutException)
        {
            await network.DisposeAsync();
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            // Closing a connection the peer already dropped.
        }
        readTimeout.Dispose();
    }
}
