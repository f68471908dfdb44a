using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.EndToEnd.Tls;

/// <summary>
/// `rampart check-config` loads each listener certificate as the gateway will, through the installed program: a
/// deploy script learns before the reload that a renewed file cannot be used, and the administrator sees who the
/// certificate names, when it expires and whether its intermediates complete a chain a verifying sender can follow.
/// </summary>
public sealed class CheckConfigCertificateTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static string Config(TempDirectory temp, string certificate, string key) => $$"""
        hostname: mx.rampart.test
        data_dir: {{temp.File("data")}}
        tls: {certificate: {{certificate}}, key: {{key}}}
        listeners:
          inbound: {role: inbound, address: 127.0.0.1, port: 0, accepted_domains: [example.test]}
          outbound: {role: outbound, address: 127.0.0.1, port: 0, relay_networks: [127.0.0.0/8]}
        routes:
          local: {transport: drop, path: {{temp.File("drop")}}}
        routing:
          - domains: ["*"]
            route: local
        """;

    private static async Task<RampartProcess> CheckAsync(TempDirectory temp, string certificatePem, string keyPem)
    {
        WriteFiles(temp, certificatePem, keyPem);
        return await RampartProcess.RunRampartAsync(["check-config", "--config", temp.File("rampart.yaml")], Timeout);
    }

    private static void WriteFiles(TempDirectory temp, string certificatePem, string keyPem)
    {
        File.WriteAllText(temp.File("fullchain.pem"), certificatePem);
        File.WriteAllText(temp.File("server.key"), keyPem);
        File.WriteAllText(temp.File("rampart.yaml"), Config(temp, temp.File("fullchain.pem"), temp.File("server.key")));
    }

    /// <summary>
    /// Both the check and the start refuse the configuration with exit code 2 and one line naming the certificate file,
    /// its key and why; neither crashes with an unhandled exception, as both did before. Returns what the check wrote
    /// to standard error.
    /// </summary>
    private static async Task<string> AssertRefusedByCheckAndRunAsync(TempDirectory temp, string certificate, string key)
    {
        string? checkErrors = null;
        foreach (var command in new[] { "check-config", "run" })
        {
            await using var process = await RampartProcess.RunRampartAsync([command, "--config", temp.File("rampart.yaml")], Timeout);
            Assert.True(process.ExitCode == 2, process.Describe());
            Assert.Contains($"rampart: configuration error: {certificate} (key {key}): cannot be loaded: ", process.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("Unhandled exception", process.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", process.Stderr, StringComparison.Ordinal);
            checkErrors ??= process.Stderr;
        }
        return checkErrors!;
    }

    [Fact]
    public async Task A_full_chain_is_described_with_its_names_issuer_expiry_and_intermediates()
    {
        using var pki = TestPki.Create();
        using var temp = new TempDirectory("rampart-check-tls");
        await using var check = await CheckAsync(temp, pki.IntermediateServer.ExportCertificatePem() + "\n" + pki.Intermediate.ExportCertificatePem() + "\n",
            pki.IntermediateServer.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());

        Assert.True(check.ExitCode == 0, check.Describe());
        var line = Assert.Single(check.Stdout.Split('\n'), l => l.Contains("tls certificate", StringComparison.Ordinal));
        Assert.Contains($"tls certificate {temp.File("fullchain.pem")} (listeners inbound, outbound): mx1.example.test, localhost, "
            + "issued by CN=Rampart Test Intermediate CA, expires ", line, StringComparison.Ordinal);
        // A test CA is no root of this system: a sender that verifies could not follow it.
        Assert.EndsWith("1 intermediate; chains to a root of this system: no", line.TrimEnd(), StringComparison.Ordinal);
        Assert.DoesNotContain("warning: the certificate", check.Stdout, StringComparison.Ordinal);
    }

    /// <summary>A route's client certificate whose key is another's stopped the start with an unhandled exception.</summary>
    [Fact]
    public async Task A_route_client_certificate_that_is_not_its_keys_fails_the_check_and_the_start()
    {
        using var pki = TestPki.Create();
        using var temp = new TempDirectory("rampart-check-tls");
        File.WriteAllText(temp.File("client.crt"), pki.Client.ExportCertificatePem());
        File.WriteAllText(temp.File("client.key"), pki.RogueClient.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(temp.File("rampart.yaml"), $$"""
            hostname: mx.rampart.test
            data_dir: {{temp.File("data")}}
            listeners:
              inbound: {role: inbound, address: 127.0.0.1, port: 0, accepted_domains: [example.test]}
            routes:
              internal:
                transport: smtp
                hosts: ["127.0.0.1:2699"]
                client_certificate: {certificate: {{temp.File("client.crt")}}, key: {{temp.File("client.key")}}}
            routing:
              - domains: ["*"]
                route: internal
            """);

        await AssertRefusedByCheckAndRunAsync(temp, temp.File("client.crt"), temp.File("client.key"));
    }

    [Fact]
    public async Task A_certificate_about_to_expire_is_a_warning()
    {
        using var temp = new TempDirectory("rampart-check-tls");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=mx.rampart.test", key, HashAlgorithmName.SHA256);
        using var soon = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-80), DateTimeOffset.UtcNow.AddDays(3).AddHours(2));
        await using var check = await CheckAsync(temp, soon.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());

        Assert.True(check.ExitCode == 0, check.Describe());
        Assert.Contains("CN=mx.rampart.test, issued by CN=mx.rampart.test", check.Stdout, StringComparison.Ordinal);
        Assert.Contains($"warning: the certificate {temp.File("fullchain.pem")} expires in 3 days", check.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_certificate_that_is_not_its_keys_fails_the_check_as_it_would_fail_the_start()
    {
        using var pki = TestPki.Create();
        using var temp = new TempDirectory("rampart-check-tls");
        // The intermediate first: the certificate the gateway would serve is not the one the key belongs to.
        WriteFiles(temp, pki.Intermediate.ExportCertificatePem() + "\n" + pki.IntermediateServer.ExportCertificatePem() + "\n",
            pki.IntermediateServer.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());

        // The gateway itself refuses to start on it the same way (it crashed with an unhandled exception).
        var checkErrors = await AssertRefusedByCheckAndRunAsync(temp, temp.File("fullchain.pem"), temp.File("server.key"));

        Assert.StartsWith($"rampart: configuration error: {temp.File("fullchain.pem")} (key {temp.File("server.key")}): cannot be loaded: ", checkErrors.Trim(),
            StringComparison.Ordinal);
        Assert.Contains("The key must be the first certificate's", checkErrors, StringComparison.Ordinal);
    }
}
