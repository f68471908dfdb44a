using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rampart.Testing.Processes;

namespace Rampart.Delivery.Tests.TlsPolicies.Dane;

/// <summary>
/// Two real Postfix next hops (one with STARTTLS and its full chain, one without STARTTLS) and a validating unbound
/// serving a signed zone whose TLSA owner names follow the ports the tests deliver to (RFC 6698 §3: _PORT._tcp).
/// Each mail domain below *.dane.test is one case; unsigned.example is the unsigned one.
/// </summary>
public sealed class DaneWorld : IAsyncLifetime
{
    public PostfixServer Server { get; private set; } = null!;
    public PostfixServer NoTls { get; private set; } = null!;
    /// <summary>Sends leaf + intermediate CA (root → intermediate → leaf), for DANE-TA on an intermediate.</summary>
    public PostfixServer Intermediate { get; private set; } = null!;
    public SignedZoneServer Dns { get; private set; } = null!;

    /// <summary>A SHA-256 that matches nothing the servers present.</summary>
    public static readonly string Unrelated = new('a', 64);

    public async Task InitializeAsync()
    {
        Server = await PostfixServer.StartAsync(new PostfixServerOptions { SendCaInChain = true });
        NoTls = await PostfixServer.StartAsync(new PostfixServerOptions { TlsLevel = "none" });
        Intermediate = await PostfixServer.StartAsync(new PostfixServerOptions { ChainThroughIntermediate = true });
        var intermediateSpki = Hex(SHA256.HashData(Intermediate.Pki.Intermediate.PublicKey.ExportSubjectPublicKeyInfo()));
        var p = Server.Port;
        var spki = Hex(SHA256.HashData(Server.Pki.Server.PublicKey.ExportSubjectPublicKeyInfo()));
        var rogue = Hex(SHA256.HashData(Server.Pki.RogueCa.PublicKey.ExportSubjectPublicKeyInfo()));
        var ca = Hex(SHA256.HashData(Server.Pki.Ca.RawData));
        var huge = Enumerable.Range(0, 300).Select(i => $"_{p}._tcp.mx.huge.dane TLSA 3 1 1 {Hex(SHA256.HashData(BitConverter.GetBytes(i)))}");
        string[] signed =
        [
            .. Mx("good", p, $"3 1 1 {spki}"),
            .. Mx("mismatch", p, $"3 1 1 {rogue}"),
            "ta.dane MX 10 mx1.example.test.",
            "mx1.example A 127.0.0.1",
            $"_{p}._tcp.mx1.example TLSA 2 0 1 {ca}",
            .. Mx("notlsa", p),
            .. Mx("bogus", p, $"3 1 1 {spki}"),
            .. Mx("nostarttls", NoTls.Port, $"3 1 1 {spki}"),
            // Hostile: usages, selectors and matching types nobody defined, PKIX usages, data of the wrong length.
            .. Mx("odd", p, $"4 1 1 {spki}", $"3 7 1 {spki}", $"3 1 9 {spki}", $"0 0 1 {ca}", $"1 1 1 {spki}", $"3 1 1 {spki[..8]}", $"3 1 2 {spki}"),
            "huge.dane MX 10 mx.huge.dane.test.",
            "mx.huge.dane A 127.0.0.1",
            .. huge,
            // §2.2.2: the MX names an alias; TLSA records are found at the alias's target first.
            "cname.dane MX 10 alias.cname.dane.test.",
            "alias.cname.dane CNAME mx.good.dane.test.",
            // Secure MX, insecure address records (§2.2.2): no DANE, even though the host has TLSA records that match nothing.
            "mixed.dane MX 10 mx.unsigned.example.",
            // No MX: the domain is its own host (RFC 5321 §5.1) and the TLSA base (RFC 7672 §2.2.1, secure denial of MX).
            "implicit.dane A 127.0.0.1",
            $"_{p}._tcp.implicit.dane TLSA 3 0 2 {Hex(SHA512.HashData(Server.Pki.Server.RawData))}",
            // DANE-TA on an intermediate CA (not self-signed): the server sends leaf + intermediate, not the root.
            "inter.dane MX 10 mx1.example.test.",
            $"_{Intermediate.Port}._tcp.mx1.example TLSA 2 1 1 {intermediateSpki}",
            // A full-certificate record whose data is no certificate, beside a DANE-EE record that matches nothing;
            // the second MX host matches.
            "garbage.dane MX 10 mx.garbage.dane.test.",
            "garbage.dane MX 20 mx.good.dane.test.",
            "mx.garbage.dane A 127.0.0.1",
            $"_{p}._tcp.mx.garbage.dane TLSA 2 0 0 DEADBEEF00",
            $"_{p}._tcp.mx.garbage.dane TLSA 3 1 1 {rogue}",
            // Unusable records only, on a host that offers no STARTTLS.
            .. Mx("oddnotls", NoTls.Port, $"0 0 1 {ca}", $"4 1 1 {spki}"),
            "loop.dane MX 10 mx.loop.dane.test.",
            "mx.loop.dane CNAME other.loop.dane.test.",
            "other.loop.dane CNAME mx.loop.dane.test.",
        ];
        string[] unsigned = ["@ MX 10 mx.unsigned.example.", "mx A 127.0.0.1", $"_{p}._tcp.mx TLSA 3 1 1 {Unrelated}"];
        Dns = await SignedZoneServer.StartAsync(string.Join("\n", signed), string.Join("\n", unsigned),
            zone => SignedZoneServer.ReplaceTlsaData(zone, $"_{p}._tcp.mx.bogus.dane.test.", Unrelated));
    }

    private static IEnumerable<string> Mx(string name, int port, params string[] tlsa) =>
        new[] { $"{name}.dane MX 10 mx.{name}.dane.test.", $"mx.{name}.dane A 127.0.0.1" }
            .Concat(tlsa.Select(t => $"_{port}._tcp.mx.{name}.dane TLSA {t}"));

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes);

    public async Task DisposeAsync()
    {
        if (Dns is not null) await Dns.DisposeAsync();
        if (NoTls is not null) await NoTls.DisposeAsync();
        if (Intermediate is not null) await Intermediate.DisposeAsync();
        if (Server is not null) await Server.DisposeAsync();
    }
}
