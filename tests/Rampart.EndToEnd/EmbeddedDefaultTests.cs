using Rampart.Testing.Processes;
using System.Net;
using Rampart.EndToEnd.Fixtures;
using Rampart.Testing;

namespace Rampart.EndToEnd;

/// <summary>
/// `rampart run` with no configuration file uses the embedded default: loopback listeners and data under
/// ./data. Its fixed ports (2525/2587) are moved to free ones through environment overrides, which also
/// proves RAMPART__SECTION__KEY overrides reach the real binary.
/// </summary>
public sealed class EmbeddedDefaultTests
{
    [Fact]
    public async Task Run_without_a_config_file_delivers_into_data_under_the_working_directory()
    {
        using var cwd = new TempDirectory("rampart-e2e-default");
        int inbound = FreePort.Next(), outbound = FreePort.Next();
        var environment = new Dictionary<string, string>
        {
            ["RAMPART__LISTENERS__INBOUND__PORT"] = inbound.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RAMPART__LISTENERS__OUTBOUND__PORT"] = outbound.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RAMPART__ADMIN__LISTEN"] = $"127.0.0.1:{FreePort.Next()}",
        };

        await using var rampart = RampartProcess.StartRampart(["run"], environment, cwd.Path);
        await rampart.WaitForPortAsync(inbound);
        await rampart.WaitForPortAsync(outbound);

        var marker = TestMessages.NewMarker("default-in");
        var body = TestMessages.Body(marker);
        await TestMessages.SendAsync(new IPEndPoint(IPAddress.Loopback, inbound), "alice@sender.test", "user@example.test",
            TestMessages.Message(marker, "user@example.test", body));
        var inboundMail = Assert.Single(await Eml.WaitForAsync(Path.Combine(cwd.Path, "data", "drop"), 1, TimeSpan.FromSeconds(15), rampart.Describe));
        Assert.Equal("user@example.test", inboundMail.All("Delivered-To").Single());
        Assert.Equal(body, inboundMail.Body);
        Assert.Contains("by localhost (Rampart, listener inbound)", inboundMail.RampartReceived, StringComparison.Ordinal);

        // The outbound listener (relaying for loopback) routes everything else to data/outgoing.
        var outMarker = TestMessages.NewMarker("default-out");
        await TestMessages.SendAsync(new IPEndPoint(IPAddress.Loopback, outbound), "user@example.test", "carol@elsewhere.test",
            TestMessages.Message(outMarker, "carol@elsewhere.test", TestMessages.Body(outMarker)));
        var outgoing = Assert.Single(await Eml.WaitForAsync(Path.Combine(cwd.Path, "data", "outgoing"), 1, TimeSpan.FromSeconds(15), rampart.Describe));
        Assert.Equal(outMarker, outgoing.All("Subject").Single());

        rampart.Terminate();
        Assert.Equal(0, await rampart.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains("(embedded default)", rampart.Stdout, StringComparison.Ordinal);
    }
}
