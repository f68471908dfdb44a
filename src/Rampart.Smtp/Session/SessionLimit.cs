namespace Rampart.Smtp.Session;

/// <summary>The bounds on a whole session or message, beyond the timer of each read (<see cref="SmtpLimits"/>).</summary>
internal enum SessionLimit
{
    /// <summary><see cref="SmtpLimits.MaxSessionDuration"/>.</summary>
    SessionDuration,

    /// <summary><see cref="SmtpLimits.MaxDataDuration"/>.</summary>
    DataDuration,

    /// <summary><see cref="SmtpLimits.MinDataRate"/>.</summary>
    DataRate,
}

/// <summary>Thrown from a read that would pass one of the session's bounds; the session answers 421 and closes.</summary>
internal sealed class SessionLimitExceededException(SessionLimit limit) : Exception($"session limit reached: {limit}")
{
    public SessionLimit Limit => limit;
}
