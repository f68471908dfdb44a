using System.Buffers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using Rampart.Mail;
using Rampart.Smtp.Protocol;

namespace Rampart.Smtp.Session;

public sealed partial class SmtpSession
{
    private async Task DispatchAsync(SmtpCommand command)
    {
        if (StateTable.Check(command, state) is { } outOfOrder)
        {
            // A BDAT's chunk follows its command whatever we answer: skip it, or it would be read as commands.
            if (command is SmtpCommand.Bdat refused) await SkipChunkAsync(refused.Size);
            if (command is SmtpCommand.Data) RefuseImproperPipelining();
            await SendAsync(outOfOrder);
            return;
        }

        if (command is SmtpCommand.Noop or SmtpCommand.Rset or SmtpCommand.Vrfy or SmtpCommand.Help or SmtpCommand.NotImplemented
            && await TooMuchJunkAsync())
        {
            return;
        }

        switch (command)
        {
            case SmtpCommand.Helo helo: await HeloAsync(helo); break;
            case SmtpCommand.Mail mail: await MailAsync(mail); break;
            case SmtpCommand.Rcpt rcpt: await RcptAsync(rcpt); break;
            case SmtpCommand.Data data: await DataAsync(data); break;
            case SmtpCommand.Bdat bdat: await BdatAsync(bdat); break;
            case SmtpCommand.Rset rset:
                await EndTransactionAsync("reset");
                Advance(rset, CommandOutcome.Accepted);
                await SendAsync(Replies.ResetOk);
                break;
            case SmtpCommand.Noop: await SendAsync(Replies.Ok); break;
            case SmtpCommand.Quit: await SendAsync(Replies.ServiceClosing); break;
            case SmtpCommand.Vrfy: await SendAsync(Replies.VrfyNoDisclosure); break;
            case SmtpCommand.Help: await SendAsync(Replies.Help); break;
            case SmtpCommand.StartTls startTls: await StartTlsAsync(startTls); break;
            case SmtpCommand.Auth auth: await AuthAsync(auth); break;
            case SmtpCommand.NotImplemented: await SendAsync(Replies.NotImplemented); break;
            case SmtpCommand.Forbidden forbidden:
                SmtpLog.ForbiddenCommand(logger, facts.SessionId, forbidden.Verb);
                await SendAsync(Replies.NotHttp);
                break;
        }
    }

    /// <summary>The one place the state changes: the table says where <paramref name="command"/> leads.</summary>
    private void Advance(SmtpCommand command, CommandOutcome outcome) => state = StateTable.After(command, state, outcome);

    private async Task HeloAsync(SmtpCommand.Helo helo)
    {
        // RFC 5321 §4.1.4: EHLO/HELO in the middle of a transaction resets it.
        await EndTransactionAsync("reset by HELO");
        var previous = (facts.HeloName, facts.IsExtended);
        facts.HeloName = helo.Domain;
        facts.IsExtended = helo.Extended;
        var verdict = await handler.HeloAsync(facts, shutdown);
        if (verdict is { IsPositive: false })
        {
            (facts.HeloName, facts.IsExtended) = previous;
            Advance(helo, CommandOutcome.Refused);
            await SendAsync(verdict);
            return;
        }
        Advance(helo, CommandOutcome.Accepted);
        await SendAsync(helo.Extended ? EhloReply(helo.Domain) : Replies.HeloOk(options.HostName));
    }

    private SmtpReply EhloReply(string clientName)
    {
        var lines = new List<string>
        {
            $"{options.HostName} greets {clientName}",
            "PIPELINING",
            $"SIZE {options.Limits.MaxMessageSize}",
            "8BITMIME",
            "SMTPUTF8",
            "ENHANCEDSTATUSCODES",
            "CHUNKING",
            "DSN",
        };
        if (options.Certificate is not null && tls is null) lines.Add("STARTTLS");
        // RFC 4954 §4 lets a server hide AUTH until TLS is on; PLAIN and LOGIN carry the password itself.
        if (AuthOffered && tls is not null) lines.Add("AUTH " + string.Join(' ', options.AuthMechanisms));
        // RFC 8689 §4.1: offered only inside TLS, since a REQUIRETLS message may only arrive over it.
        if (RequireTlsOffered && tls is not null) lines.Add("REQUIRETLS");
        lines.Add("HELP");
        return Replies.Ehlo(lines);
    }

    /// <summary>
    /// RFC 8689: REQUIRETLS on the listeners whose mail goes out to the recipient domains' MX hosts (outbound,
    /// submission), where MTA-STS or DANE can vouch for the next hop. An inbound listener's mail goes to an internal
    /// host, usually over opportunistic TLS, so a REQUIRETLS message taken there would only bounce (5.7.30).
    /// </summary>
    private bool RequireTlsOffered => options.Role != ListenerRole.Inbound;

    private async Task MailAsync(SmtpCommand.Mail mail)
    {
        var sender = mail.Sender;
        if (messages >= options.Limits.MaxMessagesPerConnection)
        {
            await SendAsync(Replies.TooManyMessages);
            return;
        }
        if (options.RequireTls && tls is null)
        {
            await SendAsync(Replies.TlsRequired);
            return;
        }
        // Not offered here (an inbound listener): taking it would promise a hop to the internal host we cannot keep.
        if (sender.RequireTls && !RequireTlsOffered)
        {
            await SendAsync(Replies.RequireTlsNotOffered);
            return;
        }
        // RFC 8689 §4.1: REQUIRETLS over plaintext would already have broken the sender's demand.
        if (sender.RequireTls && tls is null)
        {
            await SendAsync(Replies.RequireTlsWithoutTls);
            return;
        }
        // RFC 1870 §6.2: refuse at MAIL when the declared size is already too big.
        if (sender.DeclaredSize > options.Limits.MaxMessageSize)
        {
            await SendAsync(Replies.MessageTooBig);
            return;
        }
        facts.BeginTransaction();
        var verdict = await handler.MailFromAsync(facts, sender, shutdown);
        if (verdict is { IsPositive: false })
        {
            await SendAsync(verdict);
            return;
        }
        transaction = new SmtpTransaction(sender, clock.GetUtcNow());
        Advance(mail, CommandOutcome.Accepted);
        await SendAsync(verdict ?? Replies.SenderOk);
    }

    private async Task RcptAsync(SmtpCommand.Rcpt rcpt)
    {
        var recipient = rcpt.Recipient;
        var tx = transaction!;
        if (!tx.Sender.SmtpUtf8 && recipient.Address.Any(c => c > 127))
        {
            tx.RejectedRecipients++;
            await SendAsync(Replies.NonAsciiAddress);
            return;
        }
        if (tx.Recipients.Count >= options.Limits.MaxRecipients)
        {
            // RFC 5321 §4.5.3.1.10: 452 so that the client sends the rest in another transaction.
            await SendAsync(Replies.TooManyRecipients);
            return;
        }
        var verdict = await handler.RcptToAsync(facts, tx, recipient, shutdown);
        if (verdict.IsPositive)
        {
            tx.Recipients.Add(recipient);
            Advance(rcpt, CommandOutcome.Accepted);
        }
        else
        {
            tx.RejectedRecipients++;
        }
        await SendAsync(verdict);
    }

    private async Task StartTlsAsync(SmtpCommand.StartTls startTls)
    {
        if (tls is not null)
        {
            await SendAsync(Replies.TlsAlreadyActive);
            return;
        }
        if (options.Certificate is null)
        {
            await SendAsync(Replies.TlsNotAvailable);
            return;
        }
        ReplyWriter.Write(writer, Replies.ReadyForTls);
        await FlushAsync();

        // RFC 3207 §4.2 / the STARTTLS injection class: anything pipelined after STARTTLS came in
        // plaintext and must not be executed inside the TLS session. Drop it with the old pipes.
        if (reader.TryRead(out var injected))
        {
            SmtpLog.PlaintextDiscarded(logger, facts.SessionId, injected.Buffer.Length);
            reader.AdvanceTo(injected.Buffer.End);
        }
        await reader.CompleteAsync();
        await writer.CompleteAsync();

        tls = new SslStream(network, leaveInnerStreamOpen: false);
        using var handshake = new ClockTimeout(clock, shutdown, options.Limits.TlsHandshakeTimeout);
        try
        {
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = options.Certificate.Context,
                ClientCertificateRequired = false,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            }, handshake.Token);
        }
        catch (OperationCanceledException) when (!shutdown.IsCancellationRequested)
        {
            throw new AuthenticationException("TLS handshake timed out");
        }
        (reader, writer) = CreatePipes(tls);

        // RFC 3207 §4.2: the client must start over with EHLO; nothing from before is kept.
        await EndTransactionAsync("reset by STARTTLS");
        facts.TlsProtocol = tls.SslProtocol.ToString().Replace("Tls", "TLSv").Replace("TLSv13", "TLSv1.3").Replace("TLSv12", "TLSv1.2");
        facts.TlsCipher = tls.NegotiatedCipherSuite.ToString();
        facts.HeloName = null;
        facts.IsExtended = false;
        Advance(startTls, CommandOutcome.Accepted);
        SmtpLog.TlsStarted(logger, facts.SessionId, facts.TlsProtocol, facts.TlsCipher);
    }

    /// <summary>
    /// RFC 2920 §3.1: DATA ends a pipelined group. Input already waiting behind a refused DATA is a
    /// message body about to be read as commands (the way a relay abuser smuggles third-party
    /// content); close instead, as Postfix does for improper pipelining.
    /// </summary>
    private void RefuseImproperPipelining()
    {
        if (!reader.TryRead(out var waiting)) return;
        bool any = !waiting.Buffer.IsEmpty;
        reader.AdvanceTo(waiting.Buffer.Start);
        if (any)
        {
            SmtpLog.ImproperPipelining(logger, facts.SessionId);
            closing = true;
        }
    }

    /// <summary>
    /// RFC 2920 §3.1: DATA is the last command of a group, and the content may only follow the 354. A
    /// client that sends it without waiting is a bulk engine or a smuggling probe, never a conforming MTA;
    /// Postfix refuses it (smtpd_forbid_unauth_pipelining, the default since 3.9) and so do we. Returns a
    /// printable excerpt of the early input, or null when nothing is waiting: neither in our buffer nor,
    /// as Postfix's peekfd asks, in the socket's receive queue.
    /// </summary>
    /// <remarks>
    /// REVIEW: under TLS, a record SslStream has already read but not yet decrypted for us is seen by
    /// neither check; a client that splits DATA and its content into two records in one write passes.
    /// </remarks>
    private string? ContentSentEarly()
    {
        if (reader.TryRead(out var waiting))
        {
            var buffer = waiting.Buffer;
            reader.AdvanceTo(buffer.Start);
            if (!buffer.IsEmpty) return Excerpt(buffer.Slice(0, Math.Min(buffer.Length, 40)));
        }
        return network is NetworkStream { Socket.Available: > 0 and var pending } ? $"{pending} bytes not yet read" : null;
    }

    /// <summary>Outside bytes for a log line: printable ASCII as is, everything else as \xHH (no CR, LF or ESC reaches the log).</summary>
    private static string Excerpt(ReadOnlySequence<byte> bytes)
    {
        var text = new System.Text.StringBuilder();
        foreach (var segment in bytes)
        {
            foreach (var b in segment.Span)
            {
                if (b is >= 0x20 and < 0x7F and not (byte)'\\') text.Append((char)b);
                else text.Append(b switch { (byte)'\r' => "\\r", (byte)'\n' => "\\n", _ => $"\\x{b:X2}" });
            }
        }
        return text.ToString();
    }

    /// <summary>
    /// Forgets the transaction and releases its content (an uncommitted message is discarded); one summary line is
    /// logged if it had begun. The state is the caller's to advance, through the table.
    /// </summary>
    private async ValueTask EndTransactionAsync(string verdict, string? queueId = null)
    {
        if (transaction is not { } tx) return;
        transaction = null;
        queueId ??= tx.Sink?.QueueId;
        // The arguments cost joins, escapes and the Message-ID's decoding: built only when a logger (or tracking) listens.
        if (logger.IsEnabled(LogLevel.Information)) SmtpLog.Transaction(logger, queueId ?? "-", facts.SessionId, facts.ClientAddress, facts.ListenerName,
            facts.TlsProtocol ?? "-", facts.TlsCipher ?? "-", LogText.Escape(facts.AuthenticatedUser ?? "-"), LogText.Escape(tx.Sender.Address),
            LogText.Escape(string.Join(',', tx.Recipients.Select(r => r.Address))), tx.Size, LogText.Escape(verdict),
            (long)(clock.GetUtcNow() - tx.StartedAt).TotalMilliseconds, LogText.Escape(handler.DescribeEvidence(facts) ?? "-"),
            facts.Transaction.Rules is { Count: > 0 } rules ? LogText.Escape(string.Join(',', rules)) : "-", LogText.Escape(tx.Framer?.MessageId ?? ""));
        await tx.ReleaseAsync();
    }
}
