using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using Rampart.Testing.Processes;

namespace Rampart.Tests.SenderAuth;

/// <summary>
/// unbound serving DKIM keys and DMARC records, the keys made for this run: every test domain publishes an RSA key
/// (selector "rsa") and an Ed25519 key (selector "ed") whose private halves the tests sign with. DMARC: signed.test,
/// reject.test p=reject; quarantine.test p=quarantine; none.test p=none; pct.test p=reject pct=0; org.test p=none
/// sp=reject; strict.test p=reject adkim=s aspf=s; relaxed.test p=reject; spfok.test p=reject with an SPF record
/// allowing 127.0.0.5. fwd.test and untrusted.test are forwarders (keys only).
/// </summary>
public sealed class AuthZones : UnboundServer
{
    public static readonly string[] Domains = ["signed.test", "reject.test", "quarantine.test", "none.test", "pct.test", "org.test",
        "strict.test", "relaxed.test", "spfok.test", "fwd.test", "untrusted.test"];

    private static readonly (string Domain, string Record)[] Dmarc =
    [
        ("signed.test", "v=DMARC1; p=reject"),
        ("reject.test", "v=DMARC1; p=reject"),
        ("quarantine.test", "v=DMARC1; p=quarantine"),
        ("none.test", "v=DMARC1; p=none"),
        ("pct.test", "v=DMARC1; p=reject; pct=0"),
        ("org.test", "v=DMARC1; p=none; sp=reject"),
        ("strict.test", "v=DMARC1; p=reject; adkim=s; aspf=s"),
        ("relaxed.test", "v=DMARC1; p=reject"),
        ("spfok.test", "v=DMARC1; p=reject"),
    ];

    public AsymmetricKeyParameter RsaKey { get; }
    public AsymmetricKeyParameter Ed25519Key { get; }
    private readonly string rsaPublic;
    private readonly string edPublic;

    public AuthZones()
    {
        var rsa = new RsaKeyPairGenerator();
        rsa.Init(new KeyGenerationParameters(new SecureRandom(), 2048));
        var rsaPair = rsa.GenerateKeyPair();
        RsaKey = rsaPair.Private;
        rsaPublic = Convert.ToBase64String(SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(rsaPair.Public).GetDerEncoded());
        var ed = new Ed25519KeyPairGenerator();
        ed.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
        var edPair = ed.GenerateKeyPair();
        Ed25519Key = edPair.Private;
        edPublic = Convert.ToBase64String(((Ed25519PublicKeyParameters)edPair.Public).GetEncoded());
    }

    protected override string ExtraZones => string.Join("\n", Lines().Select(l => "  " + l));

    private IEnumerable<string> Lines()
    {
        foreach (var domain in Domains)
        {
            yield return $"local-zone: \"{domain}.\" static";
            yield return $"local-data: \"{domain}. 3600 IN SOA ns.{domain}. hostmaster.{domain}. 1 3600 600 86400 120\"";
            yield return Txt($"rsa._domainkey.{domain}", $"v=DKIM1; k=rsa; p={rsaPublic}");
            yield return Txt($"ed._domainkey.{domain}", $"v=DKIM1; k=ed25519; p={edPublic}");
        }
        foreach (var (domain, record) in Dmarc) yield return Txt($"_dmarc.{domain}", record);
        yield return Txt("spfok.test", "v=spf1 ip4:127.0.0.5 -all");
    }

    /// <summary>A TXT record in character-strings of at most 255 (RFC 1035 §3.3), single quotes outside (REAL-PARTS.md §3).</summary>
    private static string Txt(string name, string text) =>
        $"local-data: '{name}. 300 IN TXT {string.Join(' ', text.Chunk(255).Select(c => $"\"{new string(c)}\""))}'";
}
