using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Rampart.Delivery.Smtp;

/// <summary>STARTTLS policy toward one destination (postfix's smtp_tls_security_level).</summary>
public enum TlsPolicy
{
    /// <summary>Never STARTTLS, even if offered.</summary>
    None,
    /// <summary>STARTTLS when offered, any certificate accepted; plain when not offered (RFC 3207 §4). The default.</summary>
    Opportunistic,
    /// <summary>STARTTLS must be offered and succeed; the certificate is not checked.</summary>
    Required,
    /// <summary>Required, and the certificate must chain to a trusted CA and match the host name, or match a pinned fingerprint.</summary>
    Verified,
}

/// <summary>How the SMTP client talks to one destination. Timeouts default to RFC 5321 §4.5.3.2.</summary>
public sealed record SmtpClientOptions
{
    /// <summary>The name sent in EHLO/HELO: the gateway's hostname.</summary>
    public required string HeloName { get; init; }

    public TlsPolicy Tls { get; init; } = TlsPolicy.Opportunistic;

    /// <summary>For <see cref="TlsPolicy.Verified"/>: the CAs to chain to; null means the system's trust store.</summary>
    public X509Certificate2Collection? TrustedRoots { get; init; }

    /// <summary>For <see cref="TlsPolicy.Verified"/>: SHA-256 fingerprints (hex, colons optional) of accepted server certificates.</summary>
    public IReadOnlyList<string> PinnedFingerprints { get; init; } = [];

    /// <summary>
    /// A TLS policy's own judgement of the server's certificate (DANE, TlsPolicies/Dane): given the leaf and every
    /// certificate the server sent, null accepts and text refuses with that reason. Replaces Verified's checks.
    /// </summary>
    public Func<X509Certificate2, IReadOnlyList<X509Certificate2>, string?>? CertificateCheck { get; init; }

    /// <summary>
    /// The SNI name when it is not the host connected to: DANE sends its TLSA base domain (RFC 7672 §8.1), which after
    /// a CNAME is the alias's target.
    /// </summary>
    public string? TlsServerName { get; init; }

    /// <summary>
    /// Offered during the TLS handshake, for next hops that require mutual TLS: the certificate with the intermediates
    /// of its full-chain file, put together once (offline) when the route is made, not at each connection.
    /// </summary>
    public SslStreamCertificateContext? ClientCertificate { get; init; }

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>§4.5.3.2.1 initial 220.</summary>
    public TimeSpan GreetingTimeout { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>§4.5.3.2.2/3 MAIL and RCPT replies; also used for EHLO, STARTTLS, RSET and QUIT.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>§4.5.3.2.4 DATA initiation (the 354).</summary>
    public TimeSpan DataInitiationTimeout { get; init; } = TimeSpan.FromMinutes(2);
    /// <summary>§4.5.3.2.5 each block of content sent.</summary>
    public TimeSpan DataBlockTimeout { get; init; } = TimeSpan.FromMinutes(3);
    /// <summary>§4.5.3.2.6 the reply to the final dot (or last BDAT).</summary>
    public TimeSpan DataTerminationTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The clock every timeout above runs on: the gateway's (the system's by default).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;
}
