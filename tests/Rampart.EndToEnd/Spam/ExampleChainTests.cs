using System.Net;
using System.Text.RegularExpressions;
using DnsClient;
using Rampart.Testing;
using Rampart.Testing.Processes;
using Xunit.Abstractions;

namespace Rampart.EndToEnd.Spam;

/// <summary>
/// The README's tour, run: examples/gateway.yaml as shipped (issue 13 item 8: the whole inbound anti-spam chain on)
/// against scripts/tour-dns.sh's test data, in the built program, over real sockets. Only what a test must is
/// changed in the example (see <see cref="ExampleYaml"/>); the tour's DNS is the script itself, so its data is
/// what is tested. Each step is one client, bound to its own 127.x address as the tour's data expects.
/// </summary>
[Collection(RspamdCollection.Name)]
public sealed partial class ExampleChainTests(RspamdServer rspamd, ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static readonly IPAddress Listed = IPAddress.Parse("127.0.0.2");     // zen.spamhaus.org in tour-dns.sh
    private static readonly IPAddress Plain = IPAddress.Parse("127.0.0.1");      // on no list
    private static readonly IPAddress Trusted = IPAddress.Parse("127.0.0.3");    // list.dnswl.org, high trust
    private static readonly IPAddress Stranger = IPAddress.Parse("127.0.0.4");   // on no list

    [Fact]
    public async Task The_example_with_the_tour_dns_refuses_listed_clients_greylists_strangers_and_refuses_spf_gtube_and_dmarc_failures()
    {
        var root = DocumentationTests.RepositoryRoot();
        using var temp = new TempDirectory("rampart-e2e-example");
        int inbound = FreePort.Next(), outbound = FreePort.Next();
        await using var dns = await TourDns.StartAsync(root);
        await using var sink = await SmtpSink.StartAsync();
        await using var clamd = await ClamdServer.StartAsync();

        // The example's own folder layout: the configuration next to recipients.txt, data_dir ./data beside them.
        File.Copy(Path.Combine(root, "examples", "recipients.txt"), temp.File("recipients.txt"));
        ExampleDkimKey.Ensure(temp.Path); // the tour's `rampart dkim keygen example.test s2026 --out examples/keys`
        var config = temp.File("gateway.yaml");
        File.WriteAllText(config, ExampleYaml(File.ReadAllText(Path.Combine(root, "examples", "gateway.yaml")),
            inbound, outbound, dns.Port, sink.Port, clamd.TcpAddress, rspamd.Port));
        await using var rampart = RampartProcess.StartRampart(["run", "--config", config]);
        await rampart.WaitForOutputAsync("Rampart started from", Bound);
        var endPoint = new IPEndPoint(IPAddress.Loopback, inbound);

        // 1. A client that zen.spamhaus.org lists is refused before the greeting, with the list and the session named.
        await using (var smtp = await SmtpTranscript.ConnectAsync(endPoint, from: Listed))
        {
            var refused = await smtp.ExpectAsync("554 5.7.1");
            Assert.Matches(@"^554 5\.7\.1 Rejected: listed by zen\.spamhaus\.org \(see its lookup page\); id inbound-\S+$", refused[^1]);
            Assert.True(await smtp.IsClosedAsync(), "the listed client's connection stays open");
            Report("1 listed client", refused);
        }

        // 2. A stranger: greylisted at RCPT, passed on its retry after the delay, delivered with one
        //    Authentication-Results field (SPF pass for foreign.test, DMARC p=none), its transaction line scored.
        await using (var smtp = await SmtpTranscript.ConnectAsync(endPoint, from: Plain))
        {
            await smtp.HelloAsync("mail.foreign.test");
            await smtp.CommandAsync("MAIL FROM:<alice@foreign.test>", "250 ");
            var greylisted = await smtp.CommandAsync("RCPT TO:<bob@example.test>", "451 4.7.1");
            Assert.Matches(@"^451 4\.7\.1 Greylisted: please try again in [12] seconds; id inbound-\S+$", greylisted[^1]);
            Report("2 greylisted", greylisted);
            await smtp.CommandAsync("QUIT", "221 ");
            // The gateway is a separate process on its system clock: the delay is real time (tests/README.md, Waiting).
            await Task.Delay(TimeSpan.FromSeconds(int.Parse(SecondsLeft().Match(greylisted[^1]).Groups[1].Value)) + TimeSpan.FromMilliseconds(300));
        }
        await using (var smtp = await SmtpTranscript.ConnectAsync(endPoint, from: Plain))
        {
            await smtp.HelloAsync("mail.foreign.test");
            await smtp.CommandAsync("MAIL FROM:<alice@foreign.test>", "250 ");
            var passed = await smtp.CommandAsync("RCPT TO:<bob@example.test>", "250 ");
            var accepted = await smtp.DataAsync(Mail("alice@foreign.test", "bob@example.test", "Minutes", Clean));
            Report("2 retry RCPT", passed);
            Report("2 retry DATA", accepted);
            await smtp.CommandAsync("QUIT", "221 ");
        }
        var delivered = Assert.Single(await sink.WaitForDumpsAsync(1, Bound));
        var fields = Regex.Matches(delivered, @"^Authentication-Results:.*(\n[ \t].*)*", RegexOptions.Multiline).Select(m => m.Value).ToList();
        var field = Assert.Single(fields);
        Assert.StartsWith("Authentication-Results: mx.example.test;", field, StringComparison.Ordinal);
        Assert.Contains("spf=pass smtp.mailfrom=alice@foreign.test", field, StringComparison.Ordinal);
        Assert.Contains("dmarc=pass", field, StringComparison.Ordinal);
        Assert.Contains("header.from=foreign.test", field, StringComparison.Ordinal);
        Report("2 delivered", [field]);
        await rampart.WaitForOutputAsync("verdict=\"250 2.0.0", Bound);
        var line = Assert.Single(TransactionLines(rampart), l => l.Contains("verdict=\"250 2.0.0", StringComparison.Ordinal));
        Assert.Contains("client=127.0.0.1", line, StringComparison.Ordinal);
        Assert.Matches(@"score=""-?\d+\.\d scl [0-9] \[[^""]*\]""", line);
        Report("2 transaction line", [line]);

        // 3. A high-trust DNSWL client is never greylisted: accepted at the first try.
        await using (var smtp = await SmtpTranscript.ConnectAsync(endPoint, from: Trusted))
        {
            await smtp.HelloAsync("mail.foreign.test");
            await smtp.CommandAsync("MAIL FROM:<carol@foreign.test>", "250 ");
            var rcpt = await smtp.CommandAsync("RCPT TO:<alice@example.test>", "250 ");
            var accepted = await smtp.DataAsync(Mail("carol@foreign.test", "alice@example.test", "Lunch", Clean));
            Report("3 DNSWL RCPT", rcpt);
            Report("3 DNSWL DATA", accepted);
            await smtp.CommandAsync("QUIT", "221 ");
        }
        await sink.WaitForDumpsAsync(2, Bound);
        await rampart.WaitForOutputCountAsync("verdict=\"250 2.0.0", 2, Bound);
        var trusted = Assert.Single(TransactionLines(rampart), l => l.Contains("client=127.0.0.3", StringComparison.Ordinal));
        Assert.Contains("RWL_LIST_DNSWL_ORG(-5)", trusted, StringComparison.Ordinal);
        Report("3 transaction line", [trusted]);

        // 4. bank.test allows only 192.0.2.1: its address from here fails SPF at MAIL FROM.
        await using (var smtp = await SmtpTranscript.ConnectAsync(endPoint, from: Stranger))
        {
            await smtp.HelloAsync("mail.bank.test");
            var refused = await smtp.CommandAsync("MAIL FROM:<ceo@bank.test>", "550 5.7.23");
            Assert.Matches(@"^550 5\.7\.23 SPF validation failed: bank\.test does not designate this host as a sender; id inbound-\S+$", refused[^1]);
            Report("4 SPF fail", refused);
            await smtp.CommandAsync("QUIT", "221 ");
        }

        // 5. GTUBE, from a client no earlier check stops: refused at the end of DATA by the spam verdict.
        await using (var smtp = await SmtpTranscript.ConnectAsync(endPoint, from: Trusted))
        {
            await smtp.HelloAsync("mail.foreign.test");
            await smtp.EnvelopeAsync("alice@foreign.test", "bob@example.test");
            var refused = await smtp.DataAsync(Mail("alice@foreign.test", "bob@example.test", "Test", "This is spam.\r\n" + RspamdServer.Gtube), "550 5.7.1");
            // GTUBE's 100 and Rspamd's 15 (its reject), less what the client earned: DNSWL -5, SPF pass -0.2, DMARC pass -0.5.
            Assert.Matches(@"^550 5\.7\.1 Rejected as spam \(score 109\.3, SCL 9\) by GTUBE, RSPAMD; id inbound-\S+$", refused[^1]);
            Report("5 GTUBE", refused);
            await smtp.CommandAsync("QUIT", "221 ");
        }

        // 6. An envelope that passes SPF with a header From of bank.test (DMARC p=reject, nothing aligned): refused.
        await using (var smtp = await SmtpTranscript.ConnectAsync(endPoint, from: Trusted))
        {
            await smtp.HelloAsync("mail.foreign.test");
            await smtp.EnvelopeAsync("alice@foreign.test", "bob@example.test");
            var refused = await smtp.DataAsync(Mail("<ceo@bank.test>", "bob@example.test", "Urgent transfer", Clean), "550 5.7.1");
            Assert.Matches(@"^550 5\.7\.1 Rejected by the DMARC policy of bank\.test: the message is not authenticated as coming from it; id inbound-\S+$", refused[^1]);
            Report("6 DMARC", refused);
            await smtp.CommandAsync("QUIT", "221 ");
        }

        Assert.Equal(2, sink.DumpCount);

        // 7. Outbound: mail from example.test through the outbound listener is DKIM-signed with the tour's key (after the
        //    header hygiene gave it the Date and Message-ID it lacked, so they are signed too), and verifies against it.
        await using (var smtp = await SmtpTranscript.ConnectAsync(new IPEndPoint(IPAddress.Loopback, outbound)))
        {
            await smtp.HelloAsync("laptop.example.test");
            await smtp.EnvelopeAsync("bob@example.test", "user@example.test");
            var accepted = await smtp.DataAsync("From: Bob <bob@example.test>\r\nTo: user@example.test\r\nSubject: Signed\r\n\r\nHello.\r\n");
            Report("7 outbound DATA", accepted);
            await smtp.CommandAsync("QUIT", "221 ");
        }
        var signed = MimeKit.MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes((await sink.WaitForDumpsAsync(3, Bound))
            .Single(d => d.Contains("Subject: Signed", StringComparison.Ordinal)))));
        var signature = Assert.Single(signed.Headers, h => h.Id == MimeKit.HeaderId.DkimSignature);
        Assert.Contains("d=example.test", signature.Value, StringComparison.Ordinal);
        Assert.Contains("s=s2026", signature.Value, StringComparison.Ordinal);
        Assert.NotNull(signed.Headers[MimeKit.HeaderId.MessageId]);
        Assert.NotNull(signed.Headers[MimeKit.HeaderId.Date]);
        var verifier = new MimeKit.Cryptography.DkimVerifier(new KeyFileLocator(ExampleDkimKey.Ensure(temp.Path)));
        Assert.True(await verifier.VerifyAsync(signed, signature), "the example's signature does not verify with the tour's key");
        Report("7 signed", [signature.ToString()]);
    }

    /// <summary>The public half of the tour's key file: what its DNS record (printed by keygen) publishes.</summary>
    private sealed class KeyFileLocator(string keyFile) : MimeKit.Cryptography.DkimPublicKeyLocatorBase
    {
        public override Org.BouncyCastle.Crypto.AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken ct = default)
        {
            using var reader = new StreamReader(keyFile);
            var key = (Org.BouncyCastle.Crypto.Parameters.RsaPrivateCrtKeyParameters)new Org.BouncyCastle.OpenSsl.PemReader(reader).ReadObject();
            return new Org.BouncyCastle.Crypto.Parameters.RsaKeyParameters(false, key.Modulus, key.PublicExponent);
        }

        public override Task<Org.BouncyCastle.Crypto.AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken ct = default) =>
            Task.FromResult(LocatePublicKey(methods, domain, selector, ct));
    }

    /// <summary>
    /// examples/gateway.yaml with only what a test must change, each replacement asserted so that a changed
    /// example fails here instead of being tested half:
    /// - the listeners' ports (2525, 2587), the admin listener's (8025), the tour DNS port (5353), the smart host's (2626) and Rspamd's (11333):
    ///   free ports, as tests run side by side with each other and with whatever the machine runs;
    /// - the greylisting delay, 5m to 2s, so that the retry can be shown (its retry_window, 2d, stays longer);
    /// - the clamav scanner's address, 127.0.0.1:3310, to a private clamd: antivirus.on_failure is tempfail,
    ///   so with no scanner every message would get 451.
    /// data_dir (./data) and recipients.file (recipients.txt) are relative to the file's folder: the test writes
    /// the file, with a copy of examples/recipients.txt, into its temp folder, so neither needs a change.
    /// </summary>
    private static string ExampleYaml(string yaml, int inbound, int outbound, int dnsPort, int sinkPort, string clamd, int rspamdPort)
    {
        yaml = Replace(yaml, "    port: 2525\n", $"    port: {inbound}\n");
        yaml = Replace(yaml, "    port: 2587\n", $"    port: {outbound}\n");
        yaml = Replace(yaml, "  listen: 127.0.0.1:8025\n", $"  listen: 127.0.0.1:{FreePort.Next()}\n");
        yaml = Replace(yaml, "servers: [\"127.0.0.1:5353\"]", $"servers: [\"127.0.0.1:{dnsPort}\"]");
        yaml = Replace(yaml, "hosts: [\"127.0.0.1:2626\"]", $"hosts: [\"127.0.0.1:{sinkPort}\"]");
        yaml = Replace(yaml, "url: http://127.0.0.1:11333\n", $"url: http://127.0.0.1:{rspamdPort}\n");
        yaml = Replace(yaml, "      delay: 5m\n", "      delay: 2s\n");
        yaml = Replace(yaml, "address: 127.0.0.1:3310 ", $"address: {clamd} ");
        return yaml;
    }

    private static string Replace(string text, string old, string replacement)
    {
        int at = text.IndexOf(old, StringComparison.Ordinal);
        Assert.True(at >= 0, $"examples/gateway.yaml no longer contains '{old.TrimEnd()}': the test's change of it needs updating");
        Assert.True(text.IndexOf(old, at + old.Length, StringComparison.Ordinal) < 0, $"examples/gateway.yaml contains '{old.TrimEnd()}' twice");
        return text[..at] + replacement + text[(at + old.Length)..];
    }

    private const string Clean = "Hi,\r\n\r\nthe minutes of Tuesday's meeting are below; see you on Friday.\r\n\r\nAlice";

    private static string Mail(string from, string to, string subject, string body) =>
        $"From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: Fri, 4 Dec 2026 19:00:00 +0000\r\n"
        + $"Message-ID: <{Guid.NewGuid():N}@foreign.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n{body}\r\n";

    private static List<string> TransactionLines(ChildProcess rampart) =>
        rampart.Stdout.Split('\n').Where(l => l.Contains("Transaction queue_id=", StringComparison.Ordinal)).ToList();

    /// <summary>The replies, in the test's output: what the README's tour shows.</summary>
    private void Report(string step, IEnumerable<string> lines)
    {
        foreach (var l in lines) output.WriteLine($"[tour] {step}: {l}");
    }

    [GeneratedRegex(@"try again in (\d+) seconds")]
    private static partial Regex SecondsLeft();

    /// <summary>
    /// scripts/tour-dns.sh itself on a free port (TOUR_DNS_PORT), in a session of its own (setsid) so that it and its
    /// unbound are stopped together with SIGTERM to the process group, which also runs the script's clean-up trap.
    /// </summary>
    private sealed class TourDns : IAsyncDisposable
    {
        private readonly ChildProcess script;

        private TourDns(ChildProcess script, int port)
        {
            this.script = script;
            Port = port;
        }

        public int Port { get; }

        public static async Task<TourDns> StartAsync(string root)
        {
            var setsid = RequiredTool.Find("setsid", "apt-get install util-linux");
            RequiredTool.At("/usr/sbin/unbound");
            int port = FreePort.Next();
            var dns = new TourDns(ChildProcess.Start(setsid, ["bash", Path.Combine(root, "scripts", "tour-dns.sh")],
                new Dictionary<string, string> { ["TOUR_DNS_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) }, root), port);
            try
            {
                await dns.WaitUntilAnsweringAsync();
                return dns;
            }
            catch
            {
                await dns.DisposeAsync();
                throw;
            }
        }

        /// <summary>Listening is not enough: wait until the tour's SPF record comes back.</summary>
        private Task WaitUntilAnsweringAsync()
        {
            var client = new LookupClient(new LookupClientOptions(new NameServer(IPAddress.Loopback, Port))
            {
                UseCache = false,
                Timeout = TimeSpan.FromMilliseconds(300),
                Retries = 0,
                ThrowDnsErrors = false,
            });
            return BoundedWait.UntilAsync(async _ =>
            {
                if (script.HasExited) throw new InvalidOperationException($"tour-dns.sh exited during start-up.\n{script.Describe()}");
                try
                {
                    var response = await client.QueryAsync("foreign.test", QueryType.TXT);
                    return response.Answers.TxtRecords().Any();
                }
                catch (DnsResponseException)
                {
                    return false; // not bound yet
                }
            }, "tour-dns.sh answering the foreign.test TXT query", Bound, script.Describe, TimeSpan.FromMilliseconds(50));
        }

        public async ValueTask DisposeAsync()
        {
            if (!script.HasExited)
            {
                // The group's id is the script's pid: setsid, not a group leader, made the session without forking.
                await using var term = await ChildProcess.RunAsync("kill", ["-TERM", "--", $"-{script.Id}"], TimeSpan.FromSeconds(10));
                try
                {
                    await script.WaitForExitAsync(TimeSpan.FromSeconds(10));
                }
                catch (TimeoutException)
                {
                    await using var kill = await ChildProcess.RunAsync("kill", ["-KILL", "--", $"-{script.Id}"], TimeSpan.FromSeconds(10));
                }
            }
            await script.DisposeAsync();
        }
    }
}
