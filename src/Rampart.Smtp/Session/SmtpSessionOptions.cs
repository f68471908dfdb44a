using System.Security.Cryptography.X509Certificates;
using Rampart.Mail;
using Rampart.Smtp.Transport;

namespace Rampart.Smtp.Session;

/// <summary>What one listener's sessions need to know; built once per listener from configuration.</summary>
public sealed record SmtpSessionOptions
{
    public required string HostName { get; init; }
    public required string ListenerName { get; init; }
    public required ListenerRole Role { get; init; }
    public SmtpLimits Limits { get; init; } = new();

    /// <summary>STARTTLS is offered when a certificate is present (RFC 3207).</summary>
    public TlsIdentity? Certificate { get; init; }

    /// <summary>Refuse MAIL with 530 5.7.0 until the client has started TLS (RFC 3207 §4).</summary>
    public bool RequireTls { get; init; }

    /// <summary>Read a PROXY header (v1 or v2) before the greeting; null when the listener is not behind a load balancer.</summary>
    public ProxyProtocolOptions? ProxyProtocol { get; init; }

    /// <summary>
    /// SASL mechanisms (<see cref="Protocol.Sasl"/>) offered after STARTTLS; empty: AUTH is neither advertised nor accepted.
    /// Never offered on an inbound listener, whatever this says: MX traffic has no users.
    /// </summary>
    public IReadOnlyList<string> AuthMechanisms { get; init; } = [];

    /// <summary>The banner after "220 hostname"; kept free of version numbers on purpose.</summary>
    public string Banner { get; init; } = "ESMTP Rampart";
}
