using System.Net;
using System.Text.RegularExpressions;
using DnsClient;
using Xunit;

namespace Rampart.Testing.Processes;

/// <summary>
/// A DNSSEC-signed test zone and a validating resolver in one private unbound (DANE's tests, RFC 7672): the zone
/// "test." is signed at set-up with a fresh key (ldns-keygen, ldns-signzone from Debian's ldnsutils), served as an
/// <c>auth-zone</c> for the iterator, and validated against that key as trust anchor, so its answers carry AD=1;
/// "unsigned.example." is served beside it without a key (AD=0). <c>afterSigning</c> edits the signed text, which
/// makes the edited RRsets bogus (SERVFAIL). <c>local-zone: "." static</c> keeps every other name on the machine.
/// </summary>
public sealed class SignedZoneServer : IAsyncDisposable
{
    private readonly TempDirectory temp = new("rampart-dnssec");
    private ChildProcess? unbound;

    private SignedZoneServer()
    {
    }

    public int Port { get; private set; }

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    /// <param name="signed">Zone file text of "test." (SOA and NS are added).</param>
    /// <param name="unsigned">Zone file text of "unsigned.example." (SOA and NS are added).</param>
    /// <param name="afterSigning">Edits to the signed zone's text: an RRset changed here no longer matches its RRSIG.</param>
    public static async Task<SignedZoneServer> StartAsync(string signed, string unsigned, Func<string, string>? afterSigning = null)
    {
        var server = new SignedZoneServer();
        try
        {
            await server.SignAndStartAsync(Zone("test.", signed), Zone("unsigned.example.", unsigned), afterSigning ?? (z => z));
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private static string Zone(string origin, string body) => $"""
        $ORIGIN {origin}
        $TTL 300
        @ IN SOA ns.{origin} admin.{origin} 1 3600 600 86400 300
        @ IN NS ns.{origin}
        ns IN A 127.0.0.1
        {body}

        """;

    private async Task SignAndStartAsync(string signedText, string unsignedText, Func<string, string> afterSigning)
    {
        var keygen = RequiredTool.Find("ldns-keygen");
        var signzone = RequiredTool.Find("ldns-signzone");
        await File.WriteAllTextAsync(temp.File("test.zone"), signedText);
        await File.WriteAllTextAsync(temp.File("unsigned.zone"), unsignedText);

        var key = await RunAsync(keygen, ["-a", "ECDSAP256SHA256", "-k", "test"]);
        var keyName = key.Stdout.Trim();
        await RunAsync(signzone, ["-f", temp.File("test.zone.signed"), temp.File("test.zone"), keyName]);
        var signedZone = temp.File("test.zone.signed");
        await File.WriteAllTextAsync(signedZone, afterSigning(await File.ReadAllTextAsync(signedZone)));

        (unbound, Port) = await UnboundServer.StartOnFreePortAsync(temp.File("unbound.conf"),
            port => Config(temp.Path, port, temp.File(keyName + ".key")),
            (started, port) => WaitUntilValidatingAsync(started, port, TimeSpan.FromSeconds(15)));
    }

    private async Task<ChildProcess> RunAsync(string tool, string[] args)
    {
        var run = await ChildProcess.RunAsync(tool, args, TimeSpan.FromSeconds(30), workingDirectory: temp.Path);
        if (run.ExitCode != 0) throw new InvalidOperationException($"{Path.GetFileName(tool)} failed.\n{run.Describe()}");
        return run;
    }

    /// <summary>Ready when the zone's own NS address comes back validated (AD=1): the trust anchor and signatures work.</summary>
    private async Task WaitUntilValidatingAsync(ChildProcess started, int port, TimeSpan limit)
    {
        var client = new LookupClient(new LookupClientOptions(new NameServer(IPAddress.Loopback, port))
        {
            UseCache = false,
            Timeout = TimeSpan.FromMilliseconds(500),
            Retries = 0,
            ThrowDnsErrors = false,
            RequestDnsSecRecords = true,
        });
        await BoundedWait.UntilAsync(async _ =>
        {
            if (started.HasExited) throw new InvalidOperationException($"unbound exited during start-up.\n{started.Describe()}");
            try
            {
                var response = await client.QueryAsync("ns.test", QueryType.A);
                return response.Header.IsAuthenticData && response.Answers.ARecords().Any();
            }
            catch (DnsResponseException)
            {
                return false;
            }
        }, "unbound answering ns.test with AD=1", limit, started.Describe, TimeSpan.FromMilliseconds(50));
    }

    /// <summary>Replaces the data of the TLSA RRset at <paramref name="owner"/> in signed zone text (its RRSIG stays: bogus).</summary>
    public static string ReplaceTlsaData(string zone, string owner, string hex) =>
        Regex.Replace(zone, $@"^({Regex.Escape(owner)}\s+\d+\s+IN\s+TLSA\s+\d+\s+\d+\s+\d+\s+)[0-9a-fA-F]+\s*$", "${1}" + hex, RegexOptions.Multiline);

    private static string Config(string dir, int port, string anchor) => $$"""
        {{UnboundServer.ServerLines(dir, port, "validator iterator")}}
          trust-anchor-file: "{{anchor}}"
          val-log-level: 2
          local-zone: "." static
          local-zone: "test." transparent
          local-zone: "unsigned.example." transparent

        auth-zone:
          name: "test."
          zonefile: "{{dir}}/test.zone.signed"
          for-downstream: no
          for-upstream: yes
          fallback-enabled: no

        auth-zone:
          name: "unsigned.example."
          zonefile: "{{dir}}/unsigned.zone"
          for-downstream: no
          for-upstream: yes
          fallback-enabled: no
        """;

    public string Describe() => unbound?.Describe() ?? "unbound not started";

    public async ValueTask DisposeAsync()
    {
        if (unbound is not null)
        {
            unbound.Terminate();
            try
            {
                await unbound.WaitForExitAsync(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
                // WaitForExitAsync has killed it.
            }
            await unbound.DisposeAsync();
        }
        temp.Dispose();
    }
}
