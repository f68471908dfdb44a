using System.Net;
using System.Text;
using Rampart.Testing;

namespace Rampart.Tests.Auth;

/// <summary>SMTP AUTH (RFC 4954) over real sockets: only inside TLS, never inbound, failures locked out, send-as enforced.</summary>
public class AuthTests : IAsyncLifetime
{
    private const string AuthYaml = """
        auth:
          mechanisms: [plain, login, scram-sha-256]
          max_failures: 5
          lockout: 15m
          failure_delay: 1ms
          max_failure_delay: 5ms
        """;

    private TestGateway gateway = null!;

    public async Task InitializeAsync()
    {
        // The outbound listener relays for 127.0.0.1 only, so other loopback addresses need AUTH.
        gateway = await TestGateway.StartYamlAsync(TestGateway.StandardYaml
            .Replace("{inbound_extra}", "")
            .Replace("relay_networks: [127.0.0.0/8]", "relay_networks: [127.0.0.1/32]")
            .Replace("{outbound_extra}", AuthYaml.Replace("\n", "\n    ")));
        gateway.Users.Add("alice@example.test", "alice-pw", ["alice@example.test", "sales@example.test"]);
        gateway.Users.Add("carol@example.test", "carol-pw", ["carol@example.test"]);
    }

    public async Task DisposeAsync() => await gateway.DisposeAsync();

    private static string Plain(string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));

    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    private async Task<SmtpTranscript> TlsSessionAsync(string from = "127.0.0.2")
    {
        var c = await gateway.ConnectAsync("outbound", from: IPAddress.Parse(from));
        await c.HelloAsync();
        await c.CommandAsync("STARTTLS", "220 2.0.0");
        await c.StartTlsAsync();
        var ehlo = await c.CommandAsync("EHLO c.test", "250 ");
        Assert.Contains("250-AUTH PLAIN LOGIN SCRAM-SHA-256", ehlo);
        return c;
    }

    [Fact]
    public async Task Auth_is_neither_offered_nor_accepted_before_STARTTLS()
    {
        await using var c = await gateway.ConnectAsync("outbound", from: IPAddress.Parse("127.0.0.2"));
        await c.ExpectAsync("220 ");
        var ehlo = await c.CommandAsync("EHLO c.test", "250 ");
        Assert.DoesNotContain(ehlo, l => l.Contains("AUTH"));
        await c.CommandAsync($"AUTH PLAIN {Plain("alice@example.test", "alice-pw")}", "538 5.7.11");
    }

    [Fact]
    public async Task Auth_is_never_offered_on_the_inbound_listener_even_inside_TLS()
    {
        await using var c = await gateway.ConnectAsync("inbound");
        await c.HelloAsync();
        await c.CommandAsync("STARTTLS", "220 2.0.0");
        await c.StartTlsAsync();
        var ehlo = await c.CommandAsync("EHLO c.test", "250 ");
        Assert.DoesNotContain(ehlo, l => l.Contains("AUTH"));
        await c.CommandAsync($"AUTH PLAIN {Plain("alice@example.test", "alice-pw")}", "503 5.5.1");
    }

    [Fact]
    public async Task Plain_succeeds_then_relays_within_send_as_only()
    {
        await using var c = await TlsSessionAsync();
        await c.CommandAsync("MAIL FROM:<alice@example.test>", "250 ");
        await c.CommandAsync("RCPT TO:<x@elsewhere.test>", "550 5.7.1 Relaying denied");
        await c.CommandAsync("RSET", "250 ");
        await c.CommandAsync($"AUTH PLAIN {Plain("Alice@example.test", "alice-pw")}", "235 2.7.0");
        await c.CommandAsync("AUTH PLAIN", "503 5.5.1");
        await c.CommandAsync("MAIL FROM:<ceo@example.test>", "550 5.7.1");
        await c.CommandAsync("MAIL FROM:<sales@example.test> AUTH=<>", "250 ");
        await c.CommandAsync("RCPT TO:<x@elsewhere.test>", "250 2.1.5");
        await c.DataAsync("Subject: authed\r\n\r\nx\r\n");
        await gateway.WaitForDropAsync(1, folder: "outgoing");
    }

    [Fact]
    public async Task Send_as_covers_the_header_From_too()
    {
        await using var c = await TlsSessionAsync();
        await c.CommandAsync($"AUTH PLAIN {Plain("alice@example.test", "alice-pw")}", "235 2.7.0");
        await c.EnvelopeAsync("alice@example.test", "x@elsewhere.test");
        await c.DataAsync("From: The CEO <ceo@example.test>\r\nSubject: wire\r\n\r\nx\r\n", "550 5.7.1");
        await c.EnvelopeAsync("alice@example.test", "x@elsewhere.test");
        await c.DataAsync("From: Sales <sales@example.test>\r\nSubject: offer\r\n\r\nx\r\n");
    }

    [Fact]
    public async Task Login_with_challenges_and_with_an_initial_user()
    {
        await using (var c = await TlsSessionAsync())
        {
            await c.CommandAsync("AUTH LOGIN", "334 VXNlcm5hbWU6");
            await c.CommandAsync(B64("carol@example.test"), "334 UGFzc3dvcmQ6");
            await c.CommandAsync(B64("carol-pw"), "235 2.7.0");
        }
        await using (var c = await TlsSessionAsync())
        {
            await c.CommandAsync($"AUTH LOGIN {B64("carol@example.test")}", "334 UGFzc3dvcmQ6");
            await c.CommandAsync(B64("carol-pw"), "235 2.7.0");
        }
    }

    [Fact]
    public async Task Exchange_errors_have_their_own_replies()
    {
        await using var c = await TlsSessionAsync("127.0.0.4");
        await c.CommandAsync("AUTH PLAIN", "334 ");
        await c.CommandAsync("*", "501 5.7.0");
        await c.CommandAsync("AUTH PLAIN not-base64!", "501 5.5.2");
        await c.CommandAsync("AUTH CRAM-MD5", "504 5.5.4");
        await c.CommandAsync("AUTH", "501 5.5.4");
        await c.CommandAsync("MAIL FROM:<a@b.test>", "250 ");
        await c.CommandAsync("AUTH PLAIN", "503 5.5.1");
    }

    [Fact]
    public async Task Unknown_user_and_wrong_password_get_the_same_reply()
    {
        await using var c = await TlsSessionAsync("127.0.0.5");
        var wrong = await c.CommandAsync($"AUTH PLAIN {Plain("alice@example.test", "nope")}", "535 5.7.8");
        var unknown = await c.CommandAsync($"AUTH PLAIN {Plain("nobody@example.test", "nope")}", "535 5.7.8");
        Assert.Equal(wrong, unknown);
    }

    [Fact]
    public async Task Fifty_wrong_passwords_lock_out_the_address_and_the_account_but_not_others()
    {
        var codes = new List<string>();
        for (int i = 0; i < 50; i++)
        {
            await using var c = await TlsSessionAsync("127.0.0.2");
            await c.SendAsync($"AUTH PLAIN {Plain("alice@example.test", $"guess{i}")}\r\n");
            codes.Add((await c.ReadReplyAsync())[^1][..9]);
        }
        Assert.All(codes.Take(5), code => Assert.Equal("535 5.7.8", code));
        Assert.All(codes.Skip(5), code => Assert.Equal("454 4.7.0", code));

        // Locked out: the right password is refused, from this address and, for this account, from any.
        await using (var c = await TlsSessionAsync("127.0.0.2"))
        {
            await c.CommandAsync($"AUTH PLAIN {Plain("carol@example.test", "carol-pw")}", "454 4.7.0");
        }
        await using (var c = await TlsSessionAsync("127.0.0.3"))
        {
            await c.CommandAsync($"AUTH PLAIN {Plain("alice@example.test", "alice-pw")}", "454 4.7.0");
            await c.CommandAsync($"AUTH PLAIN {Plain("carol@example.test", "carol-pw")}", "235 2.7.0");
        }
    }

    /// <summary>MailKit's SCRAM-SHA-256 client, which checks the server's signature too (RFC 5802 §5.1 "v=").</summary>
    private static async Task<IReadOnlyList<string>> ScramAsync(SmtpTranscript c, string user, string password, string expected)
    {
        var scram = new MailKit.Security.SaslMechanismScramSha256(new NetworkCredential(user, password));
        var reply = await c.CommandAsync($"AUTH SCRAM-SHA-256 {scram.Challenge(null)}", "");
        while (reply[^1].StartsWith("334 ", StringComparison.Ordinal))
        {
            reply = await c.CommandAsync(scram.Challenge(reply[^1][4..]), "");
        }
        Assert.StartsWith(expected, reply[^1], StringComparison.Ordinal);
        if (expected.StartsWith("235", StringComparison.Ordinal)) Assert.True(scram.IsAuthenticated);
        return reply;
    }

    [Fact]
    public async Task Scram_sha_256_succeeds_and_a_wrong_password_or_unknown_user_fails_alike()
    {
        await using (var c = await TlsSessionAsync("127.0.0.6"))
        {
            await ScramAsync(c, "nobody@example.test", "x", "535 5.7.8");
            await ScramAsync(c, "carol@example.test", "wrong", "535 5.7.8");
            await ScramAsync(c, "carol@example.test", "carol-pw", "235 2.7.0");
            await c.CommandAsync("MAIL FROM:<carol@example.test>", "250 ");
            await c.CommandAsync("RCPT TO:<x@elsewhere.test>", "250 2.1.5");
        }
        await using (var c = await TlsSessionAsync("127.0.0.6"))
        {
            // Without an initial response: an empty challenge first (RFC 4954 §4); "*" cancels.
            await c.CommandAsync("AUTH SCRAM-SHA-256", "334 ");
            await c.CommandAsync("*", "501 5.7.0");
            await c.CommandAsync($"AUTH SCRAM-SHA-256 {B64("p=tls-unique,,n=carol@example.test,r=abc")}", "535 5.7.8");
        }
    }

    /// <summary>
    /// Issue 11 item 9: SCRAM's proof was checked without the reservation PLAIN and LOGIN take, so exchanges run side
    /// by side all passed the lockout check of their first step and each got its guess checked. Every client here
    /// sends its first message, waits until all have their challenge, then all send their proofs at once.
    /// </summary>
    [Fact]
    public async Task Parallel_scram_guesses_are_checked_no_more_often_than_the_lockout_allows()
    {
        const int Guessers = 20;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int waiting = Guessers;
        var outcomes = await Task.WhenAll(Enumerable.Range(0, Guessers).Select(async i =>
        {
            await using var c = await TlsSessionAsync("127.0.0.7");
            var scram = new MailKit.Security.SaslMechanismScramSha256(new NetworkCredential("carol@example.test", $"guess{i}"));
            var challenge = await c.CommandAsync($"AUTH SCRAM-SHA-256 {scram.Challenge(null)}", "334 ");
            var final = scram.Challenge(challenge[^1][4..]);
            if (Interlocked.Decrement(ref waiting) == 0) ready.SetResult();
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await c.SendAsync(final + "\r\n");
            return (await c.ReadReplyAsync(TimeSpan.FromSeconds(30)))[^1][..9];
        }));

        // Only the threshold's worth of proofs were checked (535); every other exchange was refused unchecked (454).
        Assert.Equal(5, outcomes.Count(o => o == "535 5.7.8"));
        Assert.Equal(Guessers - 5, outcomes.Count(o => o == "454 4.7.0"));

        // Locked out: the right password is refused too, by SCRAM and by PLAIN alike.
        await using var after = await TlsSessionAsync("127.0.0.7");
        await ScramAsync(after, "carol@example.test", "carol-pw", "454 4.7.0");
        await after.CommandAsync($"AUTH PLAIN {Plain("carol@example.test", "carol-pw")}", "454 4.7.0");
    }
}
