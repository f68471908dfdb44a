using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Rampart.EndToEnd.Fixtures;
using Rampart.Testing;
using Rampart.Testing.Processes;
using static Rampart.EndToEnd.Logging.JsonLog;

namespace Rampart.EndToEnd.Logging;

/// <summary>
/// The built program's log read back as an administrator's tools read it: each refusal (at connect, MAIL, RCPT,
/// DATA, AUTH, a syntax error, the listener's 421) is one line with session, client, listener, command and reply;
/// the transaction line names session, TLS and user; and nothing a client or next hop sent reaches the log with a
/// control or bidi character in it.
/// </summary>
public sealed class RefusalLogTests
{
    // Bidi marks: an SMTPUTF8 local part may hold them (only embeddings, overrides and isolates are refused, see
    // AddressParser), and a log must still show them escaped.
    private const string Bidi = "\u200F\u061C\u200E";

    [Fact]
    public async Task Each_refusal_is_one_json_line_with_session_client_listener_command_and_reply()
    {
        using var temp = new TempDirectory("rampart-e2e-log");
        var setup = Write(temp, "json", inboundExtra: "ip_block: [127.0.0.9/32]\n    limits: {max_connections_per_client: 1, max_errors: 5}");
        await using var rampart = RampartProcess.StartRampart(["run", "--config", setup.ConfigPath]);
        await rampart.WaitForOutputAsync("Rampart started from");
        var inbound = new IPEndPoint(IPAddress.Loopback, setup.InboundPort);

        await using (var blocked = await SmtpTranscript.ConnectAsync(inbound, from: IPAddress.Parse("127.0.0.9")))
        {
            await blocked.ExpectAsync("554 5.7.1");
        }
        await using (var smtp = await SmtpTranscript.ConnectAsync(inbound))
        {
            await smtp.HelloAsync("client.e2e.test");
            await smtp.CommandAsync("MAIL FROM:<alice@sender.test> SIZE=999999999999", "552 5.3.4");
            await smtp.CommandAsync($"MAIL FROM:<{Bidi}alice@sender.test> SMTPUTF8", "250 ");
            await smtp.CommandAsync("RCPT TO:<x@elsewhere.test>", "550 5.7.1");
            await smtp.CommandAsync("RCPT TO:<bob@example.test>", "250 ");
            await smtp.CommandAsync("DATA", "354 ");
            await smtp.SendAsync("From: a@foreign.test\r\nSubject: bare\r\n\r\nbare\nline feed\r\n.\r\n");
            await smtp.ExpectAsync("550 5.6.0");
            await smtp.CommandAsync("EHLO bad\u001b[31mname", "501 ");

            // The listener's own refusal, before any session: one connection per client is allowed.
            await using (var second = await SmtpTranscript.ConnectAsync(inbound))
            {
                await second.ExpectAsync("421 4.7.0");
            }
            // The fifth error: its own 500, then the engine's 421 that closes the session.
            await smtp.CommandAsync("XYZZY secret words", "500 5.5.1");
            await smtp.ExpectAsync("421 4.7.0 Too many errors");
            Assert.True(await smtp.IsClosedAsync());
        }

        var log = await WaitForAsync(rampart, l => l.Refusals.Count >= 8 && l.Events(1010).Any(), "eight refusals and a transaction");
        var refusals = log.Refusals;
        Assert.True(refusals.Count == 8, $"one line per refusal, no more\n{log.Describe()}");

        var atConnect = Assert.Single(refusals, r => Code(r) == 554);
        Assert.Equal("CONNECT", State(atConnect, "Command"));
        Assert.Equal("127.0.0.9", State(atConnect, "Client"));
        Assert.Equal("inbound", State(atConnect, "Listener"));
        Assert.Equal("5.7.1", State(atConnect, "Status"));
        Assert.Equal("Warning", atConnect.GetProperty("LogLevel").GetString());

        var mail = Assert.Single(refusals, r => Code(r) == 552);
        var session = State(mail, "SessionId");
        Assert.StartsWith("inbound-", session, StringComparison.Ordinal);
        Assert.Equal("MAIL FROM:<alice@sender.test>", State(mail, "Command"));
        Assert.Equal("5.3.4", State(mail, "Status"));
        Assert.Equal("127.0.0.1", State(mail, "Client"));
        Assert.Equal("client.e2e.test", State(mail, "Helo"));
        Assert.Contains("size", State(mail, "Reply"), StringComparison.OrdinalIgnoreCase);

        var rcpt = Assert.Single(refusals, r => State(r, "Command").StartsWith("RCPT", StringComparison.Ordinal));
        Assert.Equal("RCPT TO:<x@elsewhere.test>", State(rcpt, "Command"));
        Assert.Equal((550, "5.7.1"), (Code(rcpt), State(rcpt, "Status")));
        Assert.Contains("Relaying denied", State(rcpt, "Reply"), StringComparison.Ordinal);
        Assert.Equal("Information", rcpt.GetProperty("LogLevel").GetString());

        var data = Assert.Single(refusals, r => State(r, "Command") == "DATA");
        Assert.Equal((550, "5.6.0"), (Code(data), State(data, "Status")));

        var syntax = Assert.Single(refusals, r => Code(r) == 501);
        Assert.Equal(@"EHLO bad\x1B[31mname", State(syntax, "Command"));

        var unknown = Assert.Single(refusals, r => Code(r) == 500);
        Assert.Equal("XYZZY", State(unknown, "Command"));
        var tooMany = Assert.Single(refusals, r => Code(r) == 421 && State(r, "Command") != "CONNECT");
        Assert.Equal(("XYZZY", "4.7.0", "Warning"), (State(tooMany, "Command"), State(tooMany, "Status"), tooMany.GetProperty("LogLevel").GetString()));
        Assert.DoesNotContain("secret words", rampart.Stdout, StringComparison.Ordinal);

        foreach (var line in new[] { mail, rcpt, data, syntax, unknown, tooMany })
        {
            Assert.Equal(session, State(line, "SessionId"));
            Assert.Equal("inbound", State(line, "Listener"));
        }

        var listener = Assert.Single(refusals, r => Code(r) == 421 && State(r, "Command") == "CONNECT");
        Assert.Equal("CONNECT", State(listener, "Command"));
        Assert.Equal("127.0.0.1", State(listener, "Client"));
        Assert.StartsWith("inbound-", State(listener, "SessionId"), StringComparison.Ordinal);
        Assert.NotEqual(session, State(listener, "SessionId"));

        var transaction = Assert.Single(log.Events(1010));
        Assert.Equal(session, State(transaction, "SessionId"));
        Assert.Equal(@"\u200F\u061C\u200Ealice@sender.test", State(transaction, "From"));
        Assert.Equal("-", State(transaction, "TlsProtocol"));
        Assert.Equal("-", State(transaction, "User"));
        AssertNothingRaw(log);
    }

    [Fact]
    public async Task The_transaction_line_names_session_TLS_and_user_and_a_failed_AUTH_logs_no_credentials()
    {
        using var temp = new TempDirectory("rampart-e2e-log");
        var setup = Write(temp, "json", outboundExtra: "auth: {mechanisms: [plain], failure_delay: 1ms, max_failure_delay: 5ms}");
        Directory.CreateDirectory(setup.DataDir);
        new Rampart.Auth.UserStore(Rampart.Auth.UserStore.DefaultPath(setup.DataDir), iterations: 1000)
            .Add("alice@example.test", "alice pw", ["alice@example.test"]);
        await using var rampart = RampartProcess.StartRampart(["run", "--config", setup.ConfigPath]);
        await rampart.WaitForOutputAsync("Rampart started from");
        var wrong = Plain("alice@example.test", "Guess-Me-42");

        await using (var smtp = await SmtpTranscript.ConnectAsync(new IPEndPoint(IPAddress.Loopback, setup.OutboundPort)))
        {
            await smtp.HelloAsync();
            await smtp.CommandAsync("STARTTLS", "220 ");
            await smtp.StartTlsAsync();
            await smtp.CommandAsync("EHLO c.test", "250 ");
            await smtp.CommandAsync($"AUTH PLAIN {wrong}", "535 5.7.8");
            await smtp.CommandAsync($"AUTH PLAIN {Plain("alice@example.test", "alice pw")}", "235 ");
            await smtp.EnvelopeAsync("alice@example.test", "friend@elsewhere.test");
            await smtp.DataAsync("From: alice@example.test\r\nSubject: logged\r\n\r\nhello\r\n");
            await smtp.CommandAsync("QUIT", "221 ");
        }

        var log = await WaitForAsync(rampart, l => l.Events(1010).Any() && l.Refusals.Any(), "the transaction line");
        var auth = Assert.Single(log.Refusals);
        Assert.Equal("AUTH PLAIN", State(auth, "Command"));
        Assert.Equal((535, "5.7.8"), (Code(auth), State(auth, "Status")));
        Assert.Equal("outbound", State(auth, "Listener"));
        Assert.Equal("Warning", auth.GetProperty("LogLevel").GetString());
        Assert.DoesNotContain("Guess-Me-42", rampart.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, rampart.Stdout, StringComparison.Ordinal);

        var transaction = Assert.Single(log.Events(1010));
        Assert.Equal(State(auth, "SessionId"), State(transaction, "SessionId"));
        Assert.StartsWith("TLSv1.", State(transaction, "TlsProtocol"), StringComparison.Ordinal);
        Assert.StartsWith("TLS_", State(transaction, "TlsCipher"), StringComparison.Ordinal);
        Assert.Equal("alice@example.test", State(transaction, "User"));
        Assert.Equal("friend@elsewhere.test", State(transaction, "Recipients"));
        AssertNothingRaw(log);
    }

    /// <summary>A next hop is outside too: its reply text reaches the delivery line escaped.</summary>
    [Fact]
    public async Task A_next_hops_reply_with_escape_and_bidi_characters_is_logged_escaped()
    {
        const string hostile = "550 5.1.1 <bob@example.test>: no\u001b]0;owned\u0007 such \u202Eresu\u0085user\r\n";
        using var hop = new TcpListener(IPAddress.Loopback, 0);
        hop.Start();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var serving = RefusingNextHop.ServeAsync(hop, hostile, stop.Token);

        using var temp = new TempDirectory("rampart-e2e-log");
        var port = ((IPEndPoint)hop.LocalEndpoint).Port;
        var setup = Write(temp, "json", route: $"local: {{transport: smtp, hosts: [\"127.0.0.1:{port}\"]}}");
        await using var rampart = RampartProcess.StartRampart(["run", "--config", setup.ConfigPath]);
        await rampart.WaitForOutputAsync("Rampart started from");

        await using (var smtp = await SmtpTranscript.ConnectAsync(new IPEndPoint(IPAddress.Loopback, setup.InboundPort)))
        {
            await smtp.HelloAsync();
            await smtp.EnvelopeAsync("alice@sender.test", "bob@example.test");
            await smtp.DataAsync("From: a@foreign.test\r\nSubject: to a hostile hop\r\n\r\nhello\r\n");
            await smtp.CommandAsync("QUIT", "221 ");
        }

        static bool ToBob(JsonElement line) => State(line, "Recipient") == "bob@example.test";
        var log = await WaitForAsync(rampart, l => l.Events(3001).Any(ToBob), "the delivery line");
        var delivery = log.Events(3001).First(ToBob);
        Assert.Contains(@"no\x1B]0;owned\x07 such \u202Eresu\x85user", State(delivery, "Detail"), StringComparison.Ordinal);
        AssertNothingRaw(log);
        await stop.CancelAsync();
        await serving;
    }

    [Fact]
    public async Task The_default_text_format_has_the_refusal_line_escaped_too()
    {
        using var temp = new TempDirectory("rampart-e2e-log");
        var setup = Write(temp, format: null);
        await using var rampart = RampartProcess.StartRampart(["run", "--config", setup.ConfigPath]);
        await rampart.WaitForOutputAsync("Rampart started from");

        await using (var smtp = await SmtpTranscript.ConnectAsync(new IPEndPoint(IPAddress.Loopback, setup.InboundPort)))
        {
            await smtp.HelloAsync();
            await smtp.CommandAsync($"MAIL FROM:<{Bidi}alice@sender.test> SMTPUTF8", "250 ");
            await smtp.CommandAsync($"RCPT TO:<{Bidi}x\u200F@elsewhere.test>", "550 5.7.1");
            await smtp.CommandAsync("QUIT", "221 ");
        }

        await rampart.WaitForOutputAsync("Transaction queue_id=");
        var line = Assert.Single(rampart.Stdout.Split('\n'), l => l.Contains("Refused session=inbound-", StringComparison.Ordinal));
        Assert.Contains(@"client=127.0.0.1 listener=inbound helo=<c.test> command=""RCPT TO:<\u200F\u061C\u200Ex\u200F@elsewhere.test>""",
            line, StringComparison.Ordinal);
        Assert.Contains(@"reply=""550 5.7.1 ", line, StringComparison.Ordinal);
        Assert.Contains(@"from=<\u200F\u061C\u200Ealice@sender.test>", rampart.Stdout, StringComparison.Ordinal);
        Assert.All(rampart.Stdout.Split('\n'), l => Assert.DoesNotContain(l, IsUnsafe));
    }

    private static RampartConfigFile.StandardFiles Write(TempDirectory temp, string? format, string inboundExtra = "", string outboundExtra = "",
        string? route = null)
    {
        int inbound = FreePort.Next(), outbound = FreePort.Next();
        var dataDir = temp.File("data");
        var yaml = RampartConfigFile.Standard(dataDir, inbound, outbound, "information")
            .Replace("accepted_domains: [example.test]\n", $"accepted_domains: [example.test]\n    {inboundExtra}\n")
            .Replace("relay_networks: [127.0.0.0/8]\n", $"relay_networks: [127.0.0.0/8]\n    {outboundExtra}\n");
        if (route is not null) yaml = yaml.Replace("local: {transport: drop, path: drop}", route);
        if (format is not null) yaml = $"log_format: {format}\n{yaml}";
        return new RampartConfigFile.StandardFiles(RampartConfigFile.Write(temp.File("rampart.yaml"), yaml), dataDir, inbound, outbound);
    }

    private static string Plain(string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));

    /// <summary>No control, bidi or line-separator character in anything the log gives back.</summary>
    private static void AssertNothingRaw(JsonLog log)
    {
        foreach (var text in log.AllStrings())
        {
            Assert.False(text.Any(IsUnsafe), $"raw control or bidi character in the log: {JsonSerializer.Serialize(text)}");
        }
    }

    private static bool IsUnsafe(char c) =>
        c is < ' ' or (>= '\u007f' and <= '\u009f') or '\u061c' or '\u200e' or '\u200f' or (>= '\u202a' and <= '\u202e')
            or (>= '\u2066' and <= '\u2069') or '\u2028' or '\u2029';
}
