using System.Net;

namespace Rampart.Mail;

/// <summary>What is known about one SMTP connection; filters read it, the engine updates it.</summary>
public sealed class SessionFacts
{
    public required string SessionId { get; init; }
    public required string ListenerName { get; init; }
    public required ListenerRole Role { get; init; }
    /// <summary>
    /// The client's endpoint, never in IPv4-mapped IPv6 form (::ffff:a.b.c.d, what a dual-stack socket reports for an
    /// IPv4 client): whoever builds the facts, IPv4 lists and limits then match it as they would on an IPv4 socket.
    /// </summary>
    public required IPEndPoint RemoteEndPoint
    {
        get;
        init => field = MappedAddress.Unmapped(value);
    }
    public required IPEndPoint LocalEndPoint { get; init; }
    /// <summary>Set by whoever accepts the connection, from its clock (the listener's <see cref="TimeProvider"/>); no clock is read here.</summary>
    public DateTimeOffset ConnectedAt { get; init; }

    /// <summary>The address filters should judge: the client's own, or the one a trusted proxy reports.</summary>
    public IPAddress ClientAddress => RemoteEndPoint.Address;

    public string? HeloName { get; set; }
    public bool IsExtended { get; set; }
    public string? TlsProtocol { get; set; }
    public string? TlsCipher { get; set; }
    public bool IsTls => TlsProtocol is not null;

    /// <summary>Set by a successful AUTH (the store's canonical name); null while anonymous.</summary>
    public string? AuthenticatedUser { get; set; }

    /// <summary>What checks found about the connection itself (DNS lists at connect, the HELO name); kept for its life.</summary>
    public Evidence Connection { get; } = new();

    /// <summary>
    /// What checks found about the current transaction (SPF at MAIL, DKIM and content at the end of DATA): a new one
    /// at every MAIL, begun by the engine before the MAIL filters run.
    /// </summary>
    public Evidence Transaction { get; private set; } = new();

    /// <summary>Called by the engine at MAIL: the last transaction's findings are not the next one's.</summary>
    public void BeginTransaction() => Transaction = new Evidence();
}
