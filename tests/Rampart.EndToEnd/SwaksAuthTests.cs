using Rampart.Testing;
using Rampart.Testing.Processes;
using Rampart.EndToEnd.Fixtures;

namespace Rampart.EndToEnd;

/// <summary>
/// swaks as the submission client: AUTH PLAIN and LOGIN after STARTTLS relay from an address outside
/// relay_networks; without TLS AUTH is not offered; send-as is enforced.
/// </summary>
public sealed class SwaksAuthTests : IAsyncLifetime
{
    private static readonly TimeSpan SwaksTimeout = TimeSpan.FromSeconds(60);
    private TestGateway gateway = null!;

    public async Task InitializeAsync()
    {
        gateway = await TestGateway.StartYamlAsync(TestGateway.StandardYaml
            .Replace("{inbound_extra}", "")
            .Replace("relay_networks: [127.0.0.0/8]", "relay_networks: [127.0.0.1/32]")
            .Replace("{outbound_extra}", "auth: {mechanisms: [plain, login], failure_delay: 1ms, max_failure_delay: 5ms}"));
        gateway.Users.Add("alice@example.test", "alice pw", ["alice@example.test", "sales@example.test"]);
    }

    public async Task DisposeAsync() => await gateway.DisposeAsync();

    [Theory]
    [InlineData("PLAIN")]
    [InlineData("LOGIN")]
    public async Task Auth_over_STARTTLS_relays_from_outside_relay_networks(string mechanism)
    {
        var marker = TestMessages.NewMarker("swaks-auth");
        await using var swaks = await RunSwaksAsync(marker, "alice@example.test", "--tls", "--auth", mechanism,
            "--auth-user", "alice@example.test", "--auth-password", "alice pw");

        Assert.True(swaks.ExitCode == 0, $"swaks failed\n{swaks.Describe()}");
        Assert.Contains("250-AUTH PLAIN LOGIN", swaks.Stdout, StringComparison.Ordinal);
        Assert.Contains("235 2.7.0", swaks.Stdout, StringComparison.Ordinal);
        var eml = Assert.Single(await Eml.WaitForAsync(Path.Combine(gateway.DataDir, "outgoing"), 1, TimeSpan.FromSeconds(15), swaks.Describe));
        Assert.Equal(marker, eml.All("Subject").Single());
        Assert.Contains("with ESMTPSA id", eml.RampartReceived, StringComparison.Ordinal); // RFC 3848
    }

    /// <summary>
    /// swaks sends AUTH only when EHLO offers it, and before STARTTLS it is not offered; the 538 5.7.11 that
    /// answers an AUTH sent anyway is checked over a raw socket (Rampart.Smtp.Tests AuthTests).
    /// </summary>
    [Fact]
    public async Task Without_TLS_swaks_finds_no_AUTH_and_nothing_is_relayed()
    {
        await using var swaks = await RunSwaksAsync(TestMessages.NewMarker("swaks-auth"), "alice@example.test", "--auth", "PLAIN",
            "--auth-user", "alice@example.test", "--auth-password", "alice pw");

        Assert.True(swaks.ExitCode != 0, swaks.Describe());
        Assert.DoesNotContain("AUTH", swaks.Stdout.Split('\n').Where(l => l.StartsWith("<-  250", StringComparison.Ordinal)));
        Assert.Contains("not advertise", swaks.Stdout + swaks.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, gateway.DropCount("outgoing"));
    }

    [Fact]
    public async Task Another_users_address_is_refused_with_550_5_7_1()
    {
        await using var swaks = await RunSwaksAsync(TestMessages.NewMarker("swaks-auth"), "ceo@example.test", "--tls", "--auth", "LOGIN",
            "--auth-user", "alice@example.test", "--auth-password", "alice pw");

        Assert.True(swaks.ExitCode != 0, swaks.Describe());
        Assert.Contains("235 2.7.0", swaks.Stdout, StringComparison.Ordinal);
        Assert.Contains("550 5.7.1 Sender address not owned", swaks.Stdout + swaks.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, gateway.DropCount("outgoing"));
    }

    [Fact]
    public async Task A_wrong_password_gets_535()
    {
        await using var swaks = await RunSwaksAsync(TestMessages.NewMarker("swaks-auth"), "alice@example.test", "--tls", "--auth", "PLAIN",
            "--auth-user", "alice@example.test", "--auth-password", "guess");

        Assert.True(swaks.ExitCode != 0, swaks.Describe());
        Assert.Contains("535 5.7.8", swaks.Stdout + swaks.Stderr, StringComparison.Ordinal);
    }

    private Task<ChildProcess> RunSwaksAsync(string marker, string from, params string[] extra) =>
        ChildProcess.RunAsync(RequiredTool.Find("swaks"),
        [
            "--server", $"127.0.0.1:{gateway.Outbound.Port}",
            // Outside relay_networks (127.0.0.1/32): only AUTH lets this client relay.
            "--local-interface", "127.0.0.2",
            "--ehlo", "client.swaks.test",
            "--from", from,
            "--to", "someone@elsewhere.test",
            "--header", $"Subject: {marker}",
            "--body", $"body {marker}",
            "--timeout", "20",
            .. extra,
        ], SwaksTimeout);
}
