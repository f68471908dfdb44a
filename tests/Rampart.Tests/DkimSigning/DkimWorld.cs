using System.Text.Json;
using DnsClient;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Rampart.Policy.DkimSigning;
using Rampart.Testing;
using Rampart.Testing.Processes;
using Xunit;

namespace Rampart.Tests.DkimSigning;

/// <summary>
/// unbound publishing the keys of signed.test, made for this run with the keygen's own generator: selector "rsa"
/// (RSA 2048), "ed" (Ed25519) and "next" (RSA, published for a rotation); the private keys in 0600 files. The
/// verifiers: MimeKit's DkimVerifier asking that server, and an Rspamd whose dkim module asks it too.
/// </summary>
public sealed class DkimWorld : IAsyncLifetime
{
    public const string Domain = "signed.test";

    private readonly TempDirectory keys = new("rampart-dkim-keys");
    private readonly Dictionary<string, DkimNewKey> made = new()
    {
        ["rsa"] = DkimKeyGenerator.Rsa(2048),
        ["ed"] = DkimKeyGenerator.Ed25519(),
        ["next"] = DkimKeyGenerator.Rsa(2048),
    };

    public KeyZone Zone { get; }
    public RspamdServer Rspamd { get; private set; } = null!;

    public DkimWorld()
    {
        Zone = new KeyZone(made.Select(k => k.Value.ZoneLine(Domain, k.Key)));
    }

    /// <summary>The private key file of a selector (written 0600, as keygen writes it).</summary>
    public string KeyFile(string selector) => keys.File($"{selector}.key");

    public async Task InitializeAsync()
    {
        foreach (var (selector, key) in made)
        {
            await File.WriteAllTextAsync(KeyFile(selector), key.PrivatePem);
            File.SetUnixFileMode(KeyFile(selector), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        await Zone.InitializeAsync();
        Rspamd = RspamdServer.CheckingDkim(Zone.Port);
        await Rspamd.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await Rspamd.DisposeAsync();
        await Zone.DisposeAsync();
        keys.Dispose();
    }

    /// <summary>The dkim_signing section for signed.test with the selectors given (the first signs unless told).</summary>
    public string Yaml(params (string Selector, bool Signs)[] selectors) =>
        $"dkim_signing:\n  domains:\n    {Domain}:\n      selectors:\n"
        + string.Concat(selectors.Select(s => $"        {s.Selector}: {{key: {KeyFile(s.Selector)}, sign: {(s.Signs ? "true" : "false")}}}\n"))
        + $"dns: {{server: 127.0.0.1, port: {Zone.Port}, timeout: 1s}}\n";

    /// <summary>Every DKIM-Signature of the message checked by MimeKit against the published keys: (selector, valid).</summary>
    public async Task<List<(string Selector, bool Valid)>> MimeKitVerifyAsync(byte[] content)
    {
        var message = await MimeMessage.LoadAsync(new MemoryStream(content));
        var verifier = new DkimVerifier(new ZoneLocator(Zone.Port));
        verifier.Enable(DkimSignatureAlgorithm.Ed25519Sha256);
        var results = new List<(string, bool)>();
        foreach (var field in message.Headers.Where(h => h.Id == HeaderId.DkimSignature))
        {
            var selector = field.Value.Split(';').Select(t => t.Trim()).First(t => t.StartsWith("s=", StringComparison.Ordinal))[2..];
            results.Add((selector, await verifier.VerifyAsync(message, field)));
        }
        return results;
    }

    /// <summary>Rspamd's DKIM symbols for the message (R_DKIM_ALLOW, R_DKIM_REJECT...).</summary>
    public async Task<List<string>> RspamdSymbolsAsync(byte[] content)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Rspamd.Url, "checkv2")) { Content = new ByteArrayContent(content) };
        request.Headers.Add("IP", "192.0.2.10");
        using var response = await http.SendAsync(request);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return [.. document.RootElement.GetProperty("symbols").EnumerateObject().Select(p => p.Name).Where(n => n.Contains("DKIM", StringComparison.Ordinal))];
    }

    /// <summary>unbound with the zone lines given (plus the SOA of signed.test).</summary>
    public sealed class KeyZone(IEnumerable<string> records) : UnboundServer
    {
        private readonly List<string> lines =
        [
            $"local-zone: \"{Domain}.\" static",
            $"local-data: \"{Domain}. 3600 IN SOA ns.{Domain}. hostmaster.{Domain}. 1 3600 600 86400 120\"",
            .. records.Select(r => $"local-data: '{r.Replace(" IN TXT ", " 300 IN TXT ", StringComparison.Ordinal)}'"),
        ];

        protected override string ExtraZones => string.Join("\n", lines.Select(l => "  " + l));
    }

    /// <summary>Keys from the test DNS server: the TXT strings joined (RFC 6376 §3.6.2.2), read by MimeKit.</summary>
    private sealed class ZoneLocator(int port) : DkimPublicKeyLocatorBase
    {
        private readonly LookupClient dns = new(new LookupClientOptions(new NameServer(System.Net.IPAddress.Loopback, port)) { UseCache = false });

        public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken ct = default) =>
            throw new NotSupportedException("the tests verify asynchronously");

        public override async Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken ct = default)
        {
            var answer = await dns.QueryAsync($"{selector}._domainkey.{domain}", QueryType.TXT, cancellationToken: ct);
            var text = string.Concat(answer.Answers.TxtRecords().First().Text);
            return GetPublicKey(text);
        }
    }
}
