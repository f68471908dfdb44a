using System.Text;
using Rampart.Mail;
using Rampart.Smtp.Protocol;
using Rampart.Testing;

namespace Rampart.Smtp.Tests.Engine;

/// <summary>
/// RFC 4954 AUTH PLAIN and LOGIN on the engine alone: offered only after STARTTLS and never on an inbound listener,
/// the SASL exchange decoded for the host, and every refusal of the exchange itself (cancel, bad base64, a line too long).
/// </summary>
public class EngineAuthTests : IAsyncLifetime
{
    private readonly TestPki pki = TestPki.Create();
    private EngineHarness engine = null!;

    public Task InitializeAsync()
    {
        engine = EngineHarness.Start(configure: o => o with
        {
            Role = ListenerRole.Outbound,
            Certificate = pki.Server,
            AuthMechanisms = [Sasl.Plain, Sasl.Login],
        });
        engine.Handler.OnAuthenticate = (user, password) => user == "carol" && password == "pw" ? null : Replies.AuthFailed;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await engine.DisposeAsync();
        pki.Dispose();
    }

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private async Task<SmtpTranscript> TlsAsync()
    {
        var c = await engine.HelloAsync();
        await c.CommandAsync("STARTTLS", "220 ");
        await c.StartTlsAsync();
        Assert.Contains("250-AUTH PLAIN LOGIN", await c.CommandAsync("EHLO c.test", "250 "));
        return c;
    }

    [Fact]
    public async Task Auth_is_neither_offered_nor_accepted_before_tls()
    {
        await using var c = await engine.ConnectAsync();
        await c.ExpectAsync("220 ");
        Assert.DoesNotContain(await c.CommandAsync("EHLO c.test", "250 "), l => l.Contains("AUTH", StringComparison.Ordinal));
        await c.CommandAsync($"AUTH PLAIN {B64("\0carol\0pw")}", "538 5.7.11");
        Assert.DoesNotContain(engine.Handler.Calls, call => call.StartsWith("auth", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Plain_with_an_initial_response_reaches_the_host_decoded()
    {
        await using var c = await TlsAsync();
        await c.CommandAsync($"AUTH PLAIN {B64("\0carol\0wrong")}", "535 5.7.8 Authentication credentials invalid");
        await c.CommandAsync($"AUTH PLAIN {B64("\0Carol \0pw")}", "535 5.7.8");
        await c.CommandAsync($"AUTH PLAIN {B64("\0carol\0pw")}", "235 2.7.0 Authentication successful");
        await c.CommandAsync($"AUTH PLAIN {B64("\0carol\0pw")}", "503 5.5.1 Already authenticated");
        Assert.Equal("carol", engine.Handler.LastSession!.AuthenticatedUser);
        Assert.Equal(["auth carol", "auth Carol ", "auth carol"], engine.Handler.Calls.Where(call => call.StartsWith("auth", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Login_asks_for_the_name_then_the_password()
    {
        await using var c = await TlsAsync();
        await c.CommandAsync("AUTH LOGIN", $"334 {Sasl.LoginUserChallenge}");
        await c.CommandAsync(B64("carol"), $"334 {Sasl.LoginPasswordChallenge}");
        await c.CommandAsync(B64("pw"), "235 2.7.0");
    }

    [Fact]
    public async Task Plain_without_an_initial_response_gets_an_empty_challenge()
    {
        await using var c = await TlsAsync();
        var challenge = await c.CommandAsync("AUTH PLAIN", "334");
        Assert.Equal(["334 "], challenge);
        await c.CommandAsync(B64("\0carol\0pw"), "235 2.7.0");
    }

    [Fact]
    public async Task The_exchange_can_be_cancelled_and_must_be_base64()
    {
        await using var c = await TlsAsync();
        await c.CommandAsync("AUTH LOGIN", "334 ");
        await c.CommandAsync("*", "501 5.7.0 Authentication cancelled");
        await c.CommandAsync("AUTH LOGIN", "334 ");
        await c.CommandAsync("not base64!", "501 5.5.2 Cannot decode response (base64)");
        await c.CommandAsync("AUTH CRAM-MD5", "504 5.5.4 Unrecognized authentication type");
        Assert.DoesNotContain(engine.Handler.Calls, call => call.StartsWith("auth", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_overlong_response_line_closes_the_session()
    {
        await using var c = await TlsAsync();
        await c.CommandAsync("AUTH LOGIN", "334 ");
        await c.SendAsync(new string('A', 13000));
        await c.ExpectAsync("500 5.5.6 Authentication exchange line is too long");
        Assert.True(await EngineHarness.ClosedAsync(c));
    }

    [Fact]
    public async Task Auth_is_never_offered_on_an_inbound_listener()
    {
        await using var inbound = EngineHarness.Start(configure: o => o with { Certificate = pki.Server, AuthMechanisms = [Sasl.Plain] });
        await using var c = await inbound.HelloAsync();
        await c.CommandAsync("STARTTLS", "220 ");
        await c.StartTlsAsync();
        Assert.DoesNotContain(await c.CommandAsync("EHLO c.test", "250 "), l => l.Contains("AUTH", StringComparison.Ordinal));
        await c.CommandAsync($"AUTH PLAIN {B64("\0carol\0pw")}", "503 5.5.1 Authentication not available on this listener");
    }
}
