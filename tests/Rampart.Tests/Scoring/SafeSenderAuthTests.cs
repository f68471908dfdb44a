using System.Net;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using Rampart.Testing;
using Rampart.Testing.Processes;
using Rampart.Tests.SenderAuth;

namespace Rampart.Tests.Scoring;

/// <summary>
/// unbound serving partner.test as a forger likes it: a DKIM key (selector "rsa"), SPF softfail for everyone but
/// 127.0.0.5, and no DMARC record.
/// </summary>
public sealed class PartnerZone : UnboundServer
{
    public AsymmetricKeyParameter Key { get; }
    private readonly string publicKey;

    public PartnerZone()
    {
        var rsa = new RsaKeyPairGenerator();
        rsa.Init(new KeyGenerationParameters(new SecureRandom(), 2048));
        var pair = rsa.GenerateKeyPair();
        Key = pair.Private;
        publicKey = Convert.ToBase64String(SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(pair.Public).GetDerEncoded());
    }

    protected override string ExtraZones => $"""
          local-zone: "partner.test." static
          local-data: "partner.test. 3600 IN SOA ns.partner.test. hostmaster.partner.test. 1 3600 600 86400 120"
          local-data: 'partner.test. 300 IN TXT "v=spf1 ip4:127.0.0.5 ~all"'
          local-data: 'rsa._domainkey.partner.test. 300 IN TXT {string.Join(' ', $"v=DKIM1; k=rsa; p={publicKey}".Chunk(255).Select(c => $"\"{new string(c)}\""))}'
        """;
}

/// <summary>
/// A safe sender over SMTP with spf, sender_auth and the spam verdict on (review13 M3): the From address is the
/// sender's claim, so only a positive authentication of its domain lets it skip the verdict.
/// </summary>
public sealed class SafeSenderAuthTests(PartnerZone zone) : IClassFixture<PartnerZone>
{
    private Task<TestGateway> StartAsync() => TestGateway.StartAsync(
        inboundExtra: "spf: {}\nsender_auth: {}\nspam: {url: off}",
        topExtra: $"dns: {{server: 127.0.0.1, port: {zone.Port}, timeout: 500ms}}\nscoring: {{safe_senders: [partner.test]}}");

    private static async Task<IReadOnlyList<string>> SendAsync(TestGateway gateway, string text, string client, string expected)
    {
        await using var smtp = await gateway.ConnectAsync(from: IPAddress.Parse(client));
        await smtp.HelloAsync();
        await smtp.EnvelopeAsync("news@partner.test", "carol@example.test");
        return await smtp.DataAsync(text, expected);
    }

    [Fact]
    public async Task A_forged_partner_from_with_softfail_spf_and_no_dmarc_record_still_gets_gtube_refused()
    {
        await using var gateway = await StartAsync();

        var refused = await SendAsync(gateway, SignedMail.Message("news@partner.test", Policy.Scoring.ContentRules.Gtube + "\r\n").Text(),
            "127.0.0.7", "550 5.7.1");

        Assert.Matches(@"^550 5\.7\.1 Rejected as spam .*GTUBE", refused[^1]);
    }

    [Fact]
    public async Task An_authenticated_partner_by_dkim_or_by_spf_skips_the_verdict()
    {
        await using var gateway = await StartAsync();
        var gtube = Policy.Scoring.ContentRules.Gtube + "\r\n";

        // DKIM pass for partner.test from a client SPF only softfails.
        await SendAsync(gateway, SignedMail.Message("news@partner.test", gtube).Sign(zone.Key, "partner.test", "rsa", DkimSignatureAlgorithm.RsaSha256).Text(),
            "127.0.0.7", "250 2.0.0");
        // SPF pass for partner.test, unsigned.
        await SendAsync(gateway, SignedMail.Message("news@partner.test", gtube).Text(), "127.0.0.5", "250 2.0.0");

        await gateway.WaitForDropAsync(2);
    }
}
