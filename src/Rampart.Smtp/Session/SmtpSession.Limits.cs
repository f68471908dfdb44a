using Rampart.Mail;
using Rampart.Smtp.Protocol;

namespace Rampart.Smtp.Session;

/// <summary>
/// The bounds on a whole session beyond each read's own timer: a client that sends a byte or a
/// command just inside every timeout must still lose its slot. Each ends the session with its own 421 and log line.
/// </summary>
public sealed partial class SmtpSession
{
    private DateTimeOffset sessionDeadline = DateTimeOffset.MaxValue;

    // The read meter: the content's average rate is taken over the time spent waiting for it, so a slow spool does not
    // count against the client. It stays on the session, not the transaction: a BDAT chunk skipped outside any message
    // (refused out of order) is metered too.
    private bool readingContent;
    private long contentBytes;
    private TimeSpan contentWaited;
    private int junkCommands;

    /// <summary>
    /// How long the next read may wait: the phase's own timeout, cut short by the session's end, the message's end
    /// and, while content arrives, the moment its average rate would fall below the minimum (Kestrel's
    /// MinRequestBodyDataRate: the bytes received buy time at the minimum rate, the grace period at least).
    /// The limit named is the one that cut it short, null when the phase's timeout is the nearest.
    /// </summary>
    private (TimeSpan Wait, SessionLimit? Limit) Bound(TimeSpan timeout, bool withRate)
    {
        var now = clock.GetUtcNow();
        var wait = timeout;
        SessionLimit? limit = null;
        void Consider(TimeSpan left, SessionLimit which)
        {
            if (left >= wait) return;
            wait = left;
            limit = which;
        }
        if (sessionDeadline != DateTimeOffset.MaxValue) Consider(sessionDeadline - now, SessionLimit.SessionDuration);
        if (transaction?.ContentDeadline is { } end) Consider(end - now, SessionLimit.DataDuration);
        if (withRate && readingContent && options.Limits.MinDataRate > 0)
        {
            var earned = TimeSpan.FromSeconds((double)contentBytes / options.Limits.MinDataRate);
            Consider((earned > options.Limits.MinDataRateGrace ? earned : options.Limits.MinDataRateGrace) - contentWaited, SessionLimit.DataRate);
        }
        return (wait, limit);
    }

    /// <summary>The start of a message's content (DATA, or the first BDAT): its time limit and rate count start here.</summary>
    private void BeginContent(SmtpTransaction tx)
    {
        tx.ContentDeadline = clock.GetUtcNow() + options.Limits.MaxDataDuration;
        contentBytes = 0;
        contentWaited = TimeSpan.Zero;
    }

    private SmtpReply LimitReached(SessionLimit limit)
    {
        switch (limit)
        {
            case SessionLimit.SessionDuration:
                SmtpLog.SessionTimeLimit(logger, facts.SessionId, facts.ClientAddress, options.Limits.MaxSessionDuration, state);
                return Replies.SessionTimeLimit;
            case SessionLimit.DataDuration:
                SmtpLog.DataTimeLimit(logger, facts.SessionId, facts.ClientAddress, options.Limits.MaxDataDuration);
                return Replies.DataTimeLimit;
            default:
                SmtpLog.DataTooSlow(logger, facts.SessionId, facts.ClientAddress, contentBytes, contentWaited, options.Limits.MinDataRate);
                return Replies.DataTooSlow;
        }
    }

    /// <summary>Counts NOOP, RSET, VRFY, HELP and unimplemented verbs; past the limit, 421 4.7.0 and true (postfix smtpd_junk_command_limit).</summary>
    private async ValueTask<bool> TooMuchJunkAsync()
    {
        if (++junkCommands <= options.Limits.MaxJunkCommands) return false;
        SmtpLog.TooManyJunkCommands(logger, facts.SessionId, facts.ClientAddress, options.Limits.MaxJunkCommands);
        await SendAsync(Replies.TooManyJunkCommands);
        return true;
    }
}
