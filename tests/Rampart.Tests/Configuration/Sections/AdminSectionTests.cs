using System.Net;
using Rampart.Configuration;

namespace Rampart.Tests.Configuration.Sections;

/// <summary>admin: the HTTP listener of the admin API, metrics and health.</summary>
public sealed class AdminSectionTests : ConfigTest
{
    [Fact]
    public void Without_the_section_there_is_no_admin_listener() => Assert.Null(Load(Valid).Admin);

    [Fact]
    public void The_defaults_are_loopback_8025_and_a_token_in_the_data_folder()
    {
        var options = Load(Valid + "\nadmin: {}\n");

        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 8025), options.Admin!.EndPoint);
        Assert.Equal(Path.Combine(options.DataDir, "admin.token"), options.Admin.TokenFile);
        Assert.Empty(options.Warnings);
    }

    [Fact]
    public void Listen_and_token_file_are_read_relative_to_the_file()
    {
        var admin = Load(Valid + "\nadmin: {listen: \"[::1]:9025\", token_file: secrets/admin.token}\n").Admin!;

        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 9025), admin.EndPoint);
        Assert.Equal(temp.File("secrets/admin.token"), admin.TokenFile);
    }

    [Fact]
    public void A_listener_off_loopback_is_valid_but_warned_about_the_token_in_clear()
    {
        var options = Load(Valid + "\nadmin: {listen: 192.0.2.10:8025}\n");

        Assert.Contains(options.Warnings, w => w.Contains("admin.listen", StringComparison.Ordinal) && w.Contains("in clear", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("listen: localhost:8025", "listen: |localhost", "admin.listen", "is not an IP address with an optional port")]
    [InlineData("listen: 127.0.0.1:65536", "listen: |127", "admin.listen", "is not an IP address with an optional port")]
    [InlineData("listen: 0177.0.0.1:8025", "listen: |0177", "admin.listen", "is not an IP address with an optional port")]
    [InlineData("token: abc", "|token", "admin.token", "unknown key")]
    public void An_admin_mistake_is_named(string line, string at, string key, string problem) =>
        AssertMistake("hostname: mx.example.test", $"hostname: mx.example.test\nadmin:\n  {line}", at, key, problem);

    [Fact]
    public void A_changed_admin_listener_waits_for_a_restart()
    {
        var started = Load(Valid + "\nadmin: {listen: 127.0.0.1:8025}\n");
        var next = Load(Valid + "\nadmin: {listen: 127.0.0.1:9025}\n");

        var plan = ReloadPlan.Make(started, started, next);

        Assert.Contains("admin", plan.NeedRestart);
        Assert.Equal(started.Admin, plan.Apply.Admin);
        Assert.Empty(ReloadPlan.Make(started, started, Load(Valid + "\nadmin: {listen: 127.0.0.1:8025}\n")).NeedRestart);
    }
}
