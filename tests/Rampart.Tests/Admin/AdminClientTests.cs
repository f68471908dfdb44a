using System.Net;
using Rampart.Commands.Admin;
using Rampart.Configuration;
using Rampart.Testing;

namespace Rampart.Tests.Admin;

/// <summary>
/// The operations verbs find a running gateway through its admin listener and a stopped one by the silence there;
/// a listener that refuses the token is an error to report, never mistaken for a stopped gateway.
/// </summary>
public sealed class AdminClientTests
{
    private const string AdminOnAnyPort = "admin: {listen: 127.0.0.1:0}";

    [Fact]
    public async Task A_running_gateway_is_reached_with_the_token_from_its_data_folder()
    {
        await using var gateway = await TestGateway.StartAsync(topExtra: AdminOnAnyPort);

        using var client = await AdminClient.ConnectAsync(Bound(gateway), CancellationToken.None);

        Assert.NotNull(client);
        var version = await client.GetAsync<Rampart.Admin.SystemEndpoints.VersionView>("api/version", CancellationToken.None);
        Assert.Equal("mx.rampart.test", version.Hostname);
    }

    [Fact]
    public async Task Nothing_listening_means_stopped_and_no_admin_section_means_offline()
    {
        await using var gateway = await TestGateway.StartAsync();
        var silent = gateway.Options with { Admin = new AdminOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, FreePort.Next()), TokenFile = "/nonexistent/admin.token" } };

        Assert.Null(await AdminClient.ConnectAsync(gateway.Options, CancellationToken.None));
        Assert.Null(await AdminClient.ConnectAsync(silent, CancellationToken.None));
    }

    [Fact]
    public async Task A_wrong_or_unreadable_token_is_reported_not_taken_for_a_stopped_gateway()
    {
        await using var gateway = await TestGateway.StartAsync(topExtra: AdminOnAnyPort);
        using var temp = new TempDirectory("rampart-admin-client");
        var wrong = temp.File("wrong.token");
        File.WriteAllText(wrong, new string('x', 43) + "\n");
        var options = Bound(gateway);

        var refused = await Assert.ThrowsAsync<AdminCallException>(() =>
            AdminClient.ConnectAsync(options with { Admin = options.Admin! with { TokenFile = wrong } }, CancellationToken.None));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        Assert.Contains("not the one it runs with", refused.Message, StringComparison.Ordinal);

        var missing = await Assert.ThrowsAsync<AdminCallException>(() =>
            AdminClient.ConnectAsync(options with { Admin = options.Admin! with { TokenFile = temp.File("none.token") } }, CancellationToken.None));
        Assert.Contains("cannot read the admin token", missing.Message, StringComparison.Ordinal);
    }

    /// <summary>The gateway's options with the admin port the kernel gave (the file says 0).</summary>
    private static GatewayOptions Bound(TestGateway gateway) =>
        gateway.Options with { Admin = gateway.Options.Admin! with { EndPoint = gateway.Gateway.Admin!.EndPoint } };
}
