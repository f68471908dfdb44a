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

    [Fact]
    public void A_full_certificate_record_whose_data_is_no_certificate_is_unusable_and_parsed_once()
    {
        using var pki = TestPki.Create();
        foreach (var garbage in new[] { new byte[] { 0xDE, 0xAD, 0xBE, 0xEF, 0x00 }, new byte[] { 0x30, 0x82, 0xFF, 0xFF }, pki.Ca.RawData[..^1] })
        {
            var record = new TlsaAssociation(2, 0, 0, garbage);
            Assert.False(record.IsUsable);
            Assert.Null(record.Certificate);
            Assert.False(record.Matches(pki.Ca));
            // The check never parses it again: it refuses with a reason instead of throwing.
            Assert.Contains("does not match TLSA", new DaneCertificateCheck([record], [TestPki.ServerName], TimeProvider.System).Check(pki.Server, [pki.Server, pki.Ca]));
        }
        Assert.True(new TlsaAssociation(2, 0, 0, pki.Ca.RawData).IsUsable);
    }

    [Fact]
    public void Dane_ta_accepts_an_intermediate_ca_as_the_anchor_and_checks_the_path_below_it()
    {
        using var pki = TestPki.Create();
        var spki = SHA256.HashData(pki.Intermediate.PublicKey.ExportSubjectPublicKeyInfo());
        var check = new DaneCertificateCheck([new TlsaAssociation(2, 1, 1, spki)], [TestPki.ServerName], TimeProvider.System);
        // Root not sent (PartialChain above the anchor), and root sent (UntrustedRoot above it): both accepted.
        Assert.Null(check.Check(pki.IntermediateServer, [pki.IntermediateServer, pki.Intermediate]));
        Assert.Null(check.Check(pki.IntermediateServer, [pki.IntermediateServer, pki.Intermediate, pki.Ca]));
        // A leaf the intermediate did not issue does not chain to it, even when the intermediate is sent beside it.
        Assert.Contains("does not chain to the DANE-TA anchor", check.Check(pki.Server, [pki.Server, pki.Intermediate]));
        // After the leaf's end the path below the anchor is faulty: refused.
        var late = new DaneCertificateCheck([new TlsaAssociation(2, 1, 1, spki)], [TestPki.ServerName], new FixedClock(DateTimeOffset.UtcNow.AddYears(3)));
        Assert.Contains("NotTimeValid", late.Check(pki.IntermediateServer, [pki.IntermediateServer, pki.Intermediate]));
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
