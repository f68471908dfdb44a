using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rampart.Delivery.TlsPolicies.Dane;
using Rampart.Testing;

namespace Rampart.Delivery.Tests.TlsPolicies.Dane;

/// <summary>RFC 7672 §3.1.3 and RFC 7671 §5.1: which TLSA records SMTP may use, and what each designates.</summary>
public sealed class TlsaAssociationTests
{
    private static readonly byte[] Sha256 = new byte[32];
    private static readonly byte[] Sha512 = new byte[64];

    [Theory]
    [InlineData(3, 1, 1, 32, true)]
    [InlineData(3, 0, 2, 64, true)]
    [InlineData(2, 0, 1, 32, true)]
    [InlineData(2, 1, 0, 91, true)]
    [InlineData(0, 0, 1, 32, false)] // PKIX-TA: needs a CA list SMTP has none of
    [InlineData(1, 1, 1, 32, false)] // PKIX-EE likewise
    [InlineData(4, 1, 1, 32, false)] // unknown usage
    [InlineData(255, 1, 1, 32, false)]
    [InlineData(3, 2, 1, 32, false)] // unknown selector
    [InlineData(3, 1, 3, 32, false)] // unknown matching type
    [InlineData(3, 1, 1, 31, false)] // truncated digest
    [InlineData(3, 1, 1, 64, false)] // a SHA-512's length under SHA-256
    [InlineData(3, 1, 2, 32, false)]
    [InlineData(3, 1, 0, 0, false)] // no data at all
    public void Usable_records_are_dane_ta_or_ee_with_known_selector_matching_and_length(byte usage, byte selector, byte matching, int length, bool usable) =>
        Assert.Equal(usable, new TlsaAssociation(usage, selector, matching, new byte[length]).IsUsable);

    [Fact]
    public void Each_selector_and_matching_type_designates_the_certificate_or_its_key()
    {
        using var pki = TestPki.Create();
        var cert = pki.Server;
        var spki = cert.PublicKey.ExportSubjectPublicKeyInfo();
        Assert.True(new TlsaAssociation(3, 0, 0, cert.RawData).Matches(cert));
        Assert.True(new TlsaAssociation(3, 0, 1, SHA256.HashData(cert.RawData)).Matches(cert));
        Assert.True(new TlsaAssociation(3, 0, 2, SHA512.HashData(cert.RawData)).Matches(cert));
        Assert.True(new TlsaAssociation(3, 1, 0, spki).Matches(cert));
        Assert.True(new TlsaAssociation(3, 1, 1, SHA256.HashData(spki)).Matches(cert));
        Assert.True(new TlsaAssociation(3, 1, 2, SHA512.HashData(spki)).Matches(cert));
        // The other certificate, and a usable-looking record with the wrong selector, match nothing.
        Assert.False(new TlsaAssociation(3, 1, 1, SHA256.HashData(spki)).Matches(pki.Client));
        Assert.False(new TlsaAssociation(3, 0, 1, SHA256.HashData(spki)).Matches(cert));
        // Unusable records never match, even with the right bytes.
        Assert.False(new TlsaAssociation(1, 1, 1, SHA256.HashData(spki)).Matches(cert));
    }

    [Fact]
    public void Dane_ee_ignores_the_names_and_dates_and_dane_ta_checks_both()
    {
        using var pki = TestPki.Create();
        var ee = new DaneCertificateCheck([new TlsaAssociation(3, 1, 1, SHA256.HashData(pki.Server.PublicKey.ExportSubjectPublicKeyInfo()))],
            ["mx.elsewhere.test"], TimeProvider.System);
        Assert.Null(ee.Check(pki.Server, [pki.Server]));

        var ta = new TlsaAssociation(2, 0, 1, SHA256.HashData(pki.Ca.RawData));
        var rightName = new DaneCertificateCheck([ta], [TestPki.ServerName], TimeProvider.System);
        Assert.Null(rightName.Check(pki.Server, [pki.Server, pki.Ca]));
        // RFC 7671 §5.2.2: the anchor must come from the server; a digest record cannot stand in for it.
        Assert.Contains("does not match TLSA", rightName.Check(pki.Server, [pki.Server]));
        var wrongName = new DaneCertificateCheck([ta], ["mx.elsewhere.test", "elsewhere.test"], TimeProvider.System);
        Assert.Contains("names none of mx.elsewhere.test, elsewhere.test", wrongName.Check(pki.Server, [pki.Server, pki.Ca]));
        // A full-certificate DANE-TA record (2 0 0) is the anchor itself, sent or not.
        var full = new DaneCertificateCheck([new TlsaAssociation(2, 0, 0, pki.Ca.RawData)], [TestPki.ServerName], TimeProvider.System);
        Assert.Null(full.Check(pki.Server, [pki.Server]));
        // The rogue CA's chain does not lead to the anchor, whatever it sends.
        var rogue = new DaneCertificateCheck([new TlsaAssociation(2, 0, 1, SHA256.HashData(pki.RogueCa.RawData))], [TestPki.ServerName], TimeProvider.System);
        Assert.Contains("chain to the DANE-TA anchor", rogue.Check(pki.Server, [pki.Server, pki.RogueCa]));
    }
}
