using Rampart.Mail;
using Rampart.Smtp.Protocol;

namespace Rampart.Smtp.Session;

/// <summary>Where a session stands in RFC 5321 §4.1.4's command order.</summary>
public enum SessionState
{
    /// <summary>Greeted, no HELO/EHLO yet.</summary>
    Connected,
    /// <summary>HELO/EHLO given, no transaction.</summary>
    Ready,
    /// <summary>MAIL accepted.</summary>
    MailGiven,
    /// <summary>At least one RCPT accepted.</summary>
    RcptGiven,
    /// <summary>BDAT chunks received, LAST not yet.</summary>
    Chunking,
}

/// <summary>How a legal command ended; with the command and the state it gives the next state (<see cref="StateTable.After"/>).</summary>
public enum CommandOutcome
{
    /// <summary>Refused: nothing changes, except that HELO/EHLO has already reset the transaction (RFC 5321 §4.1.4).</summary>
    Refused,

    /// <summary>
    /// The command took effect: HELO/EHLO greeted, MAIL or RCPT taken, RSET done, the TLS handshake done, DATA's 354
    /// sent, a BDAT chunk about to be read (LAST included: its message is answered by <see cref="MessageEnded"/>).
    /// </summary>
    Accepted,

    /// <summary>DATA or BDAT only: the message was answered (250 or a refusal) or abandoned; the transaction is over.</summary>
    MessageEnded,
}

/// <summary>
/// The one table of which command is legal in which state (SmtpServer's SmtpStateTable, postfix's
/// smtpd_cmd_table) and where each leads. Handlers run only when <see cref="Check"/> allows them, so they
/// never re-check order, and they change the state only through <see cref="After"/>.
/// </summary>
public static class StateTable
{
    private static readonly SessionState[] Idle = [SessionState.Connected, SessionState.Ready];

    /// <summary>Null when <paramref name="command"/> is legal in <paramref name="state"/>, otherwise the refusal.</summary>
    public static SmtpReply? Check(SmtpCommand command, SessionState state) => command switch
    {
        SmtpCommand.Mail => state switch
        {
            SessionState.Ready => null,
            SessionState.Connected => Replies.NeedHelo,
            _ => Replies.NestedMail,
        },
        SmtpCommand.Rcpt => state is SessionState.MailGiven or SessionState.RcptGiven ? null
            : state == SessionState.Chunking ? Replies.NestedMail : Replies.NeedMail,
        SmtpCommand.Data => state switch
        {
            SessionState.RcptGiven => null,
            SessionState.MailGiven => Replies.NoValidRecipients,
            SessionState.Chunking => Replies.DataAfterBdat,
            _ => Replies.NeedMail,
        },
        SmtpCommand.Bdat => state switch
        {
            SessionState.RcptGiven or SessionState.Chunking => null,
            SessionState.MailGiven => Replies.NoValidRecipients,
            _ => Replies.NeedMail,
        },
        // RFC 4954 §4: after EHLO, and never during a mail transaction.
        SmtpCommand.Auth => state switch
        {
            SessionState.Ready => null,
            SessionState.Connected => Replies.NeedHelo,
            _ => Replies.AuthInTransaction,
        },
        SmtpCommand.StartTls => Idle.Contains(state) ? null : Replies.TlsInTransaction,
        _ => null,
    };

    /// <summary>
    /// The state after <paramref name="command"/> ended with <paramref name="outcome"/> in <paramref name="state"/>.
    /// A command that <see cref="Check"/> refuses is <see cref="CommandOutcome.Refused"/> and leaves the state as it was.
    /// </summary>
    public static SessionState After(SmtpCommand command, SessionState state, CommandOutcome outcome) => (command, outcome) switch
    {
        (not (SmtpCommand.Data or SmtpCommand.Bdat), CommandOutcome.MessageEnded) =>
            throw new ArgumentOutOfRangeException(nameof(outcome), $"{command.GetType().Name} carries no message"),
        // A command out of order is refused by Check and changes nothing, whatever the caller says.
        _ when Check(command, state) is not null => state,
        (_, CommandOutcome.MessageEnded) => SessionState.Ready,
        // RFC 5321 §4.1.4: HELO/EHLO resets the transaction before the host judges it; refused, it leaves no greeting.
        (SmtpCommand.Helo, CommandOutcome.Accepted) => SessionState.Ready,
        (SmtpCommand.Helo or SmtpCommand.Rset, _) => state == SessionState.Connected ? SessionState.Connected : SessionState.Ready,
        (_, CommandOutcome.Refused) => state,
        (SmtpCommand.Mail, _) => SessionState.MailGiven,
        (SmtpCommand.Rcpt, _) => SessionState.RcptGiven,
        // RFC 3030 §2: the chunks of one message follow each other; LAST is answered with MessageEnded.
        (SmtpCommand.Bdat, _) => SessionState.Chunking,
        // RFC 3207 §4.2: after the handshake the client starts over with EHLO.
        (SmtpCommand.StartTls, _) => SessionState.Connected,
        // DATA's 354 keeps RCPT's state until the message ends; AUTH, NOOP, VRFY, HELP and QUIT change nothing.
        _ => state,
    };

    /// <summary>True in the states that have a transaction (an <see cref="SmtpTransaction"/>).</summary>
    public static bool Transaction(SessionState state) => state is SessionState.MailGiven or SessionState.RcptGiven or SessionState.Chunking;
}
