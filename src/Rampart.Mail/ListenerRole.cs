namespace Rampart.Mail;

/// <summary>Which way mail flows through a listener; each gets its own policy and metrics.</summary>
public enum ListenerRole
{
    /// <summary>Internet to organisation, port 25: anonymous, accepted domains only, never AUTH.</summary>
    Inbound,
    /// <summary>Organisation to internet: permitted internal hosts (later: authenticated users).</summary>
    Outbound,
    /// <summary>RFC 6409 message submission by authenticated users (AUTH arrives in a later issue).</summary>
    Submission,
}
