using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Rampart.Testing;

/// <summary>
/// A throw-away PKI made per test run (REAL-PARTS.md §4, in .NET instead of openssl): a test CA, a server
/// certificate for mx1.example.test/localhost/127.0.0.1, a client certificate for mutual TLS, and a rogue CA
/// with its own server and client certificates for the "wrong CA" cases. P-256 keys: fast to make.
/// </summary>
public sealed class TestPki : IDisposable
{
    public const string ServerName = "mx1.example.test";

    private TestPki(X509Certificate2 ca, X509Certificate2 server, X509Certificate2 client, X509Certificate2 rogueCa, X509Certificate2 rogueClient,
        X509Certificate2 intermediate, X509Certificate2 intermediateServer)
    {
        Intermediate = intermediate;
        IntermediateServer = intermediateServer;
        Ca = ca;
        Server = server;
        Client = client;
        RogueCa = rogueCa;
        RogueClient = rogueClient;
    }

    public X509Certificate2 Ca { get; }
    public X509Certificate2 Server { get; }
    public X509Certificate2 Client { get; }
    public X509Certificate2 RogueCa { get; }
    public X509Certificate2 RogueClient { get; }

    /// <summary>A CA issued by <see cref="Ca"/> (not self-signed), and a server certificate it issued, with the names of <see cref="Server"/>.</summary>
    public X509Certificate2 Intermediate { get; }
    public X509Certificate2 IntermediateServer { get; }

    public static TestPki Create()
    {
        var ca = CreateCa("CN=Rampart Test CA");
        var rogueCa = CreateCa("CN=Rogue CA");
        static void ServerNames(SubjectAlternativeNameBuilder san)
        {
            san.AddDnsName(ServerName);
            san.AddDnsName("localhost");
            san.AddIpAddress(IPAddress.Loopback);
        }
        var server = CreateLeaf(ca, $"CN={ServerName}", "1.3.6.1.5.5.7.3.1", ServerNames);
        var intermediate = CreateIntermediate(ca, "CN=Rampart Test Intermediate CA");
        var intermediateServer = CreateLeaf(intermediate, $"CN={ServerName}", "1.3.6.1.5.5.7.3.1", ServerNames);
        var client = CreateLeaf(ca, "CN=gateway.example.test", "1.3.6.1.5.5.7.3.2", san => san.AddDnsName("gateway.example.test"));
        var rogueClient = CreateLeaf(rogueCa, "CN=gateway.example.test", "1.3.6.1.5.5.7.3.2", san => san.AddDnsName("gateway.example.test"));
        return new TestPki(ca, server, client, rogueCa, rogueClient, intermediate, intermediateServer);
    }

    /// <summary>A server certificate for other names, from the same test CA (an HTTPS policy host, another MX).</summary>
    public X509Certificate2 IssueServer(params string[] names) =>
        CreateLeaf(Ca, $"CN={names[0]}", "1.3.6.1.5.5.7.3.1", san =>
        {
            foreach (var name in names) san.AddDnsName(name);
        });

    /// <summary>
    /// A server certificate from <see cref="Intermediate"/> that names where its issuer can be downloaded (Authority
    /// Information Access, caIssuers <paramref name="issuerUrl"/>): a server that sends it without the intermediate
    /// invites a client to fetch the URL, which a mail gateway must never do.
    /// </summary>
    public X509Certificate2 IssueServerNamingItsIssuerAt(string issuerUrl, params string[] names) =>
        CreateLeaf(Intermediate, $"CN={names[0]}", "1.3.6.1.5.5.7.3.1", san =>
        {
            foreach (var name in names) san.AddDnsName(name);
        }, request => request.CertificateExtensions.Add(new X509AuthorityInformationAccessExtension(null, [issuerUrl])));

    /// <summary>A client certificate for gateway.example.test from <see cref="Intermediate"/>: trusted only with the intermediate sent along.</summary>
    public X509Certificate2 IssueClientFromIntermediate() =>
        CreateLeaf(Intermediate, "CN=gateway.example.test", "1.3.6.1.5.5.7.3.2", san => san.AddDnsName("gateway.example.test"));

    /// <summary>Writes ca.crt, server.crt and server.key as PEM, for postfix's smtpd_tls_* settings.</summary>
    public void WritePem(string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "ca.crt"), Ca.ExportCertificatePem() + "\n");
        File.WriteAllText(Path.Combine(directory, "server.crt"), Server.ExportCertificatePem() + "\n");
        File.WriteAllText(Path.Combine(directory, "server.key"), Server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem() + "\n");
    }

    private static X509Certificate2 CreateCa(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(2));
    }

    /// <summary>
    /// A year from now, but never past the issuer's own end: an issuer made a year ago less a second (the intermediate
    /// under which a leaf is made a moment later) would otherwise refuse it.
    /// </summary>
    private static DateTimeOffset NotAfter(X509Certificate2 issuer)
    {
        var year = DateTimeOffset.UtcNow.AddYears(1);
        var end = new DateTimeOffset(issuer.NotAfter.ToUniversalTime());
        return year < end ? year : end;
    }

    private static X509Certificate2 CreateIntermediate(X509Certificate2 issuer, string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var cert = request.Create(issuer, DateTimeOffset.UtcNow.AddDays(-1), NotAfter(issuer), serial);
        return cert.CopyWithPrivateKey(key);
    }

    private static X509Certificate2 CreateLeaf(X509Certificate2 issuer, string subject, string usage, Action<SubjectAlternativeNameBuilder> names,
        Action<CertificateRequest>? more = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        var san = new SubjectAlternativeNameBuilder();
        names(san);
        request.CertificateExtensions.Add(san.Build());
        more?.Invoke(request);
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var cert = request.Create(issuer, DateTimeOffset.UtcNow.AddDays(-1), NotAfter(issuer), serial);
        return cert.CopyWithPrivateKey(key);
    }

    public void Dispose()
    {
        foreach (var cert in new[] { Ca, Server, Client, RogueCa, RogueClient, Intermediate, IntermediateServer }) cert.Dispose();
    }
}
