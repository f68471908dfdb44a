using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Rampart.Delivery.TlsPolicies.Dane;

/// <summary>
/// One TLSA record (RFC 6698 §2.1) as numbers and bytes, so that values DnsClient's enums do not name (a usage 4, a
/// selector 7) are kept and judged rather than lost.
/// </summary>
public sealed record TlsaAssociation(byte Usage, byte Selector, byte Matching, byte[] Data)
{
    public const byte DaneTa = 2;
    public const byte DaneEe = 3;

    /// <summary>
    /// Usable for SMTP (RFC 7672 §3.1.3): DANE-TA(2) or DANE-EE(3) only, since PKIX-TA(0)/PKIX-EE(1) would need a
    /// CA list SMTP has none of; a known selector (RFC 6698 §2.1.2) and matching type (§2.1.3) with data of the
    /// length that type has (RFC 7671 §5.1: a record of the wrong length is unusable, not a reason to fail).
    /// </summary>
    public bool IsUsable => Usage is DaneTa or DaneEe && Selector is 0 or 1 && Matching switch
    {
        0 => Data.Length is > 0 and <= 65535 && (Selector != 0 || Certificate is not null),
        1 => Data.Length == 32,
        2 => Data.Length == 64,
        _ => false,
    };

    /// <summary>
    /// A full-certificate record's (x 0 0) certificate, parsed once when the record is read: data that is no
    /// certificate makes the record unusable here, so nothing parses it again inside the TLS handshake.
    /// </summary>
    public X509Certificate2? Certificate { get; } = Parse(Selector, Matching, Data);

    private static X509Certificate2? Parse(byte selector, byte matching, byte[] data)
    {
        if (selector != 0 || matching != 0 || data.Length == 0) return null;
        try
        {
            return X509CertificateLoader.LoadCertificate(data);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>Does this record's association data designate <paramref name="certificate"/> (RFC 6698 §2.1.2–2.1.3)?</summary>
    public bool Matches(X509Certificate2 certificate)
    {
        if (!IsUsable) return false;
        var selected = Selector == 0 ? certificate.RawData : certificate.PublicKey.ExportSubjectPublicKeyInfo();
        var digest = Matching switch
        {
            1 => SHA256.HashData(selected),
            2 => SHA512.HashData(selected),
            _ => selected,
        };
        return CryptographicOperations.FixedTimeEquals(digest, Data);
    }

    /// <summary>As a zone file writes it: "3 1 1 ABCD…" (the data cut after 16 hex digits for log lines).</summary>
    public override string ToString()
    {
        var hex = Convert.ToHexString(Data);
        return $"{Usage} {Selector} {Matching} {(hex.Length > 16 ? hex[..16] + "…" : hex)}";
    }
}
