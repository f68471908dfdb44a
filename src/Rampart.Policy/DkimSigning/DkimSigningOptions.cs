using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Rampart.Mail;

namespace Rampart.Policy.DkimSigning;

/// <summary>
/// The <c>dkim_signing:</c> section: the keys of each sender domain, and the listeners whose mail is signed. Keys are
/// read, and judged (length, algorithm, file mode), when the configuration is; a reload reads them again, so a new
/// key takes effect at the next reload.
/// </summary>
public sealed record DkimSigningOptions
{
    /// <summary>By ASCII, lower-case domain name.</summary>
    public required IReadOnlyDictionary<string, DkimDomain> Domains { get; init; }

    /// <summary>The listeners named by <c>listeners:</c>; null: every outbound and submission listener (never inbound).</summary>
    public IReadOnlyList<string>? Listeners { get; init; }

    /// <summary>The x= tag: how long a signature is valid after t=; null: no x= (RFC 6376 §3.5: optional).</summary>
    public TimeSpan? ExpireAfter { get; init; }

    /// <summary>Valid but weak (an RSA key under 2048 bits): printed by check-config and logged at start.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Never an inbound listener (the section refuses one by name; this holds whatever the list says).</summary>
    public bool AppliesTo(string listener, ListenerRole role) => role != ListenerRole.Inbound &&
        (Listeners?.Contains(listener, StringComparer.Ordinal) ?? role is ListenerRole.Outbound or ListenerRole.Submission);

    public DkimDomain? For(string domain) => Domains.GetValueOrDefault(domain);
}

/// <summary>One sender domain: one or two selectors, at least one of which signs.</summary>
public sealed record DkimDomain(string Name, IReadOnlyList<DkimKey> Keys)
{
    public IEnumerable<DkimKey> Signing => Keys.Where(k => k.Signs);
}

/// <summary>
/// A selector's private key. <paramref name="Signs"/> false: the key is only published (the next one during a
/// rotation, or the old one while signatures made with it may still be verified).
/// </summary>
public sealed record DkimKey(string Selector, string File, DkimSignatureAlgorithm Algorithm, AsymmetricKeyParameter PrivateKey, int Bits, bool Signs)
{
    public string AlgorithmName => Algorithm == DkimSignatureAlgorithm.Ed25519Sha256 ? "ed25519-sha256" : "rsa-sha256";
}
