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

/// <summary>
/// The one table of which command is legal in which state (SmtpServer's SmtpStateTable, postfix's
/// smtpd_cmd_table). Handlers run only when the table allows them, so they never re-check order.
/// </summary>
public static class StateTable
{
    private static readonly SessionState[] Idle = [SessionState.Connected, SessionState.Ready];

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
}
