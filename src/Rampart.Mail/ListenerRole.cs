namespace Rampart.Mail;

/// <summary>Which way mail flows through a listener; each gets its own policy and metrics.</summary>
public enum ListenerRole
{
    /// <summary>Internet to organisation, port 25: anonymous, accepted domains only, never AUTH.</summary>
    Inbound,
    /// <summary>Organisation to internet: hosts in relay_networks, or users authenticated with SMTP AUTH after STARTTLS.</summary>
    Outbound,
    /// <summary>
    /// RFC 6409 message submission by authenticated users; relays like <see cref="Outbound"/>. RFC 6409's message
    /// fix-ups (§8) are not made.
    /// </summary>
    Submission,
}
