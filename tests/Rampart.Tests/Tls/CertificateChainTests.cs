using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Rampart.Testing;

namespace Rampart.Tests.Tls;

/// <summary>
/// The listener's certificate file is a full chain: the server's certificate, then the intermediate CA that issued it.
/// A client that verifies against the root alone and downloads nothing (an MTA-STS or DANE sender, Postfix with
/// smtp_tls_security_level = verify) needs the intermediate from the handshake; a gateway that sent only its own
/// certificate would fail every such client.
/// </summary>
public sealed class CertificateChainTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_full_chain_file_is_sent_whole_and_verifies_against_the_root_alone(bool ownSection)
    {
        using var pki = TestPki.Create();
        using var temp = new TempDirectory("rampart-chain");
        var certificate = temp.File("fullchain.pem");
        var key = temp.File("server.key");
        File.WriteAllText(certificate, pki.IntermediateServer.ExportCertificatePem() + "\n" + pki.Intermediate.ExportCertificatePem() + "\n");
        File.WriteAllText(key, pki.IntermediateServer.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem() + "\n");
        var section = $"tls: {{certificate: {certificate}, key: {key}}}";
        await using var gateway = ownSection ? await TestGateway.StartAsync(inboundExtra: section) : await TestGateway.StartAsync(topExtra: section);

        X509Certificate2[] sent = [];
        var verified = false;
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync();
        await c.CommandAsync("STARTTLS", "220 2.0.0");
        await c.StartTlsAsync(new SslClientAuthenticationOptions
        {
            TargetHost = TestPki.ServerName,
            CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                CustomTrustStore = { pki.Ca },
                RevocationMode = X509RevocationMode.NoCheck,
                DisableCertificateDownloads = true,
            },
            RemoteCertificateValidationCallback = (_, _, chain, errors) =>
            {
                sent = [.. chain!.ChainPolicy.ExtraStore];
                verified = errors == SslPolicyErrors.None;
                return true;
            },
        });

        Assert.Contains(sent, s => s.RawData.AsSpan().SequenceEqual(pki.Intermediate.RawData));
        Assert.True(verified, "the chain verifies against the root alone, with nothing downloaded");
        await c.CommandAsync("EHLO c.test", "250 ");
    }
}
