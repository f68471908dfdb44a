using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.EndToEnd.Recipients;

/// <summary>
/// Layered validation over SMTP: a recipient list, then a real OpenLDAP directory. Stopping the directory in the
/// middle of a session turns what only it could answer into 451 4.4.3, never 550; the list still answers.
/// </summary>
public sealed class RecipientLdapTests : IDisposable
{
    private readonly TempDirectory temp = new("rampart-rcpt-ldap");

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task The_directory_answers_and_its_outage_gives_451_never_550()
    {
        await using var slapd = await SlapdServer.StartAsync();
        var list = temp.File("recipients.txt");
        File.WriteAllText(list, "postmaster@example.test\n");
        await using var gateway = await TestGateway.StartYamlAsync(TestGateway.PlainYaml.Replace("    accepted_domains: [example.test]\n", $$"""
                accepted_domains: [example.test]
                recipients:
                  file: {{list}}
                  ldap: {{slapd.GatewayLdapYaml("timeout: 2s", "cache_ttl: 0s", "negative_cache_ttl: 0s")}}

            """, StringComparison.Ordinal));

        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync();
        await c.CommandAsync("MAIL FROM:<a@foreign.test>", "250 ");
        await c.CommandAsync("RCPT TO:<postmaster@example.test>", "250 2.1.5");
        await c.CommandAsync("RCPT TO:<bob@example.test>", "250 2.1.5");
        await c.CommandAsync("RCPT TO:<alias@example.test>", "250 2.1.5");
        await c.CommandAsync("RCPT TO:<mallory@example.test>", "550 5.1.1 ");

        await slapd.StopAsync();
        await c.CommandAsync("RCPT TO:<carol@example.test>", "451 4.4.3 ");
        await c.CommandAsync("RCPT TO:<mallory@example.test>", "451 4.4.3 ");
        await c.CommandAsync("RCPT TO:<postmaster@example.test>", "250 2.1.5");

        await slapd.RestartAsync();
        await c.CommandAsync("RCPT TO:<carol@example.test>", "250 2.1.5");
        await c.DataAsync("From: alice@sender.test\r\nSubject: through the directory\r\n\r\nx\r\n");
        await gateway.WaitForDropAsync(1);
    }
}
