using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Rampart.Delivery.Smtp;
using Rampart.Testing;

namespace Rampart.Delivery.Tests.Smtp;

/// <summary>The client-side TLS settings every policy gets, and a policy check that fails refusing rather than throwing.</summary>
public sealed class TlsSetupTests
{
    public static TheoryData<TlsPolicy, bool, bool> Policies => new()
    {
        { TlsPolicy.Opportunistic, false, false },
        { TlsPolicy.Required, false, false },
        { TlsPolicy.Verified, false, false },
        { TlsPolicy.Verified, true, false },
        { TlsPolicy.Required, false, true },
    };

    [Theory]
    [MemberData(nameof(Policies))]
    public void No_policy_lets_a_server_certificate_make_the_gateway_download_anything(TlsPolicy tls, bool ownRoots, bool daneCheck)
    {
        using var pki = TestPki.Create();
        var options = new SmtpClientOptions
        {
            HeloName = "gateway.rampart.test",
            Tls = tls,
            TrustedRoots = ownRoots ? [pki.Ca] : null,
            CertificateCheck = daneCheck ? (_, _) => null : null,
        };
        var policy = new TlsSetup(options, "mx.example.test").ClientOptions().CertificateChainPolicy;
        Assert.NotNull(policy);
        Assert.True(policy.DisableCertificateDownloads);
        Assert.Equal(X509RevocationMode.NoCheck, policy.RevocationMode);
        Assert.Equal(ownRoots ? X509ChainTrustMode.CustomRootTrust : X509ChainTrustMode.System, policy.TrustMode);
    }

    [Fact]
    public void The_sni_name_is_the_policy_s_when_it_names_one()
    {
        var options = new SmtpClientOptions { HeloName = "gateway.rampart.test" };
        Assert.Equal("alias.example.test", new TlsSetup(options, "alias.example.test").ClientOptions().TargetHost);
        Assert.Equal("mx.example.test", new TlsSetup(options with { TlsServerName = "mx.example.test" }, "alias.example.test").ClientOptions().TargetHost);
    }

    [Fact]
    public void A_policy_check_that_throws_refuses_the_certificate_with_a_reason()
    {
        using var pki = TestPki.Create();
        var options = new SmtpClientOptions
        {
            HeloName = "gateway.rampart.test",
            Tls = TlsPolicy.Required,
            CertificateCheck = (_, _) => throw new System.Security.Cryptography.CryptographicException("ASN1 corrupted data."),
        };
        var setup = new TlsSetup(options, "mx.example.test");
        var callback = setup.ClientOptions().RemoteCertificateValidationCallback!;
        Assert.False(callback(this, pki.Server, null, SslPolicyErrors.None));
        Assert.Contains("certificate check of mx.example.test failed (CryptographicException: ASN1 corrupted data.)", setup.Refusal);
    }
}
