using Microsoft.Extensions.Logging.Abstractions;
using Rampart.Configuration;
using Rampart.Gateway;
using Rampart.Testing;

namespace Rampart.Tests.Gateway;

/// <summary>
/// The reload inside the process (the signal itself is tested on the built program, in Rampart.EndToEnd): routes,
/// lists and chains change for new sessions and attempts; a configuration that cannot be built changes nothing.
/// </summary>
public sealed class GatewayReloadTests
{
    [Fact]
    public async Task A_drop_route_moved_to_another_folder_takes_the_mail_accepted_after_the_reload()
    {
        await using var gateway = await TestGateway.StartAsync();
        await SendAsync(gateway, "bob@example.test");
        await gateway.WaitForDropAsync(1);

        File.WriteAllText(gateway.ConfigPath, File.ReadAllText(gateway.ConfigPath).Replace("path: drop", "path: moved"));
        Assert.True(await Reloader(gateway).ReloadAsync());
        await SendAsync(gateway, "bob@example.test");

        await gateway.WaitForDropAsync(1, "moved");
        Assert.Equal(1, gateway.DropCount("drop"));
    }

    [Fact]
    public async Task A_certificate_that_cannot_be_loaded_refuses_the_reload_and_the_running_configuration_stays()
    {
        await using var gateway = await TestGateway.StartAsync();
        var cert = Path.Combine(gateway.DataDir, "broken.crt");
        File.WriteAllText(cert, "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n");
        var yaml = File.ReadAllText(gateway.ConfigPath);
        File.WriteAllText(gateway.ConfigPath, yaml
            .Replace("accepted_domains: [example.test]", $"accepted_domains: [example.test, new.test]\n    tls: {{certificate: {cert}, key: {cert}}}"));

        Assert.False(await Reloader(gateway).ReloadAsync());

        await using var smtp = await gateway.ConnectAsync();
        await smtp.HelloAsync();
        await smtp.CommandAsync("MAIL FROM:<alice@sender.test>", "250");
        await smtp.CommandAsync("RCPT TO:<bob@new.test>", "550 5.7.1");
    }

    private static Reloader Reloader(TestGateway gateway) => new(gateway.Gateway, gateway.ConfigPath, NullLogger.Instance);

    private static async Task SendAsync(TestGateway gateway, string to)
    {
        await using var smtp = await gateway.ConnectAsync();
        await smtp.HelloAsync();
        await smtp.EnvelopeAsync("alice@sender.test", to);
        await smtp.DataAsync("From: a@foreign.test\r\nSubject: reload\r\n\r\nbody\r\n");
    }
}
