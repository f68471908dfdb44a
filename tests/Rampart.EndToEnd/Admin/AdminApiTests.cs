using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Rampart.EndToEnd.Fixtures;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.EndToEnd.Admin;

/// <summary>
/// The admin listener of the built program: every /api/ call needs the token the gateway wrote into its data folder
/// (401 otherwise, unknown routes included) and is audited in the log; the OpenAPI document is open.
/// </summary>
public sealed class AdminApiTests
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Every_api_call_needs_the_token_and_leaves_an_audit_line()
    {
        using var temp = new TempDirectory("rampart-e2e-admin");
        var setup = RampartConfigFile.WriteStandard(temp, admin: true);
        await using var rampart = RampartProcess.StartRampart(["run", "--config", setup.ConfigPath]);
        await rampart.WaitForOutputAsync("Rampart started from");

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(setup.DataDir, "admin.token")));
        var token = AdminApi.Token(setup.DataDir);
        using var anonymous = AdminApi.Anonymous(setup.AdminPort);
        using var refused = await anonymous.GetAsync("api/version");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("Bearer", refused.Headers.WwwAuthenticate.Single().Scheme);

        // Near misses: a prefix of the token, the token with a byte more, another scheme, an unknown route.
        foreach (var (scheme, value, path) in new[]
        {
            ("Bearer", token[..^1], "api/version"), ("Bearer", token + "A", "api/version"), ("Basic", token, "api/version"),
            ("Bearer", "", "api/version"), ("Bearer", token.ToUpperInvariant(), "api/version"), (null, null, "api/no-such-route"),
            (null, null, "api/../api/version"), (null, null, "API/version"),
        })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (scheme is not null) request.Headers.TryAddWithoutValidation("Authorization", $"{scheme} {value}");
            using var answer = await anonymous.SendAsync(request);
            Assert.True(answer.StatusCode == HttpStatusCode.Unauthorized, $"{scheme} {path}: {answer.StatusCode}");
        }

        using var admin = AdminApi.Authorized(setup.AdminPort, setup.DataDir);
        using var version = JsonDocument.Parse(await admin.GetStringAsync("api/version"));
        Assert.Equal("mx.rampart.test", version.RootElement.GetProperty("hostname").GetString());
        Assert.Equal(setup.DataDir, version.RootElement.GetProperty("data_dir").GetString());
        Assert.False(string.IsNullOrEmpty(version.RootElement.GetProperty("version").GetString()));
        using var unknown = await admin.GetAsync("api/no-such-route");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        await rampart.WaitForOutputAsync("GET /api/version status=200");
        Assert.Contains("Admin call refused client=127.0.0.1 GET /api/version: no valid token (401)", rampart.Stdout, StringComparison.Ordinal);
        Assert.Contains("Admin call client=127.0.0.1 user=admin-token GET /api/version status=200", rampart.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(token, rampart.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_routes_without_a_token()
    {
        using var temp = new TempDirectory("rampart-e2e-admin");
        var setup = RampartConfigFile.WriteStandard(temp, admin: true);
        await using var rampart = RampartProcess.StartRampart(["run", "--config", setup.ConfigPath]);
        await rampart.WaitForOutputAsync("Rampart started from");

        using var anonymous = AdminApi.Anonymous(setup.AdminPort);
        using var document = JsonDocument.Parse(await anonymous.GetStringAsync("openapi/v1.json"));

        var paths = document.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/api/version", paths);
        Assert.Contains("/api/config", paths);
        Assert.Contains("/api/config/reload", paths);
        Assert.Equal("Rampart admin API", document.RootElement.GetProperty("info").GetProperty("title").GetString());
    }

    [Fact]
    public async Task The_configuration_in_force_is_shown_and_reloaded_over_the_api()
    {
        using var temp = new TempDirectory("rampart-e2e-admin");
        var setup = RampartConfigFile.WriteStandard(temp, admin: true);
        await using var rampart = RampartProcess.StartRampart(["run", "--config", setup.ConfigPath]);
        await rampart.WaitForOutputAsync("Rampart started from");
        using var admin = AdminApi.Authorized(setup.AdminPort, setup.DataDir);

        using var config = JsonDocument.Parse(await admin.GetStringAsync("api/config"));
        var listeners = config.RootElement.GetProperty("listeners").EnumerateArray().ToList();
        Assert.Equal(["inbound", "outbound"], listeners.Select(l => l.GetProperty("name").GetString()));
        Assert.Equal($"127.0.0.1:{setup.InboundPort}", listeners[0].GetProperty("end_point").GetString());
        Assert.Contains("relay", listeners[0].GetProperty("checks").EnumerateArray().Select(c => c.GetString()));

        File.AppendAllText(setup.ConfigPath, "\nlisteners_typo: {}\n");
        using (var refused = await admin.PostAsync("api/config/reload", null))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        }
        await rampart.WaitForOutputAsync("Reload refused");

        File.WriteAllText(setup.ConfigPath, File.ReadAllText(setup.ConfigPath).Replace("listeners_typo: {}", "").Replace("[example.test]", "[example.test, other.test]"));
        using (var applied = await admin.PostAsync("api/config/reload", null))
        {
            Assert.Equal(HttpStatusCode.OK, applied.StatusCode);
        }
        using var after = JsonDocument.Parse(await admin.GetStringAsync("api/config"));
        Assert.Equal(["example.test", "other.test"], after.RootElement.GetProperty("listeners")[0].GetProperty("accepted_domains").EnumerateArray().Select(d => d.GetString()));
    }

    [Fact]
    public async Task A_second_gateway_on_the_same_data_folder_is_refused_until_the_first_stops()
    {
        using var temp = new TempDirectory("rampart-e2e-admin");
        var first = RampartConfigFile.WriteStandard(temp);
        var secondConfig = RampartConfigFile.Write(temp.File("second.yaml"),
            RampartConfigFile.Standard(first.DataDir, FreePort.Next(), FreePort.Next(), "information"));

        await using (var running = RampartProcess.StartRampart(["run", "--config", first.ConfigPath]))
        {
            await running.WaitForOutputAsync("Rampart started from");
            await using var second = await RampartProcess.RunRampartAsync(["run", "--config", secondConfig], ExitTimeout);

            Assert.True(second.ExitCode == 1, second.Describe());
            Assert.Contains($"the data folder is in use by another running Rampart (pid {running.Id})", second.Stderr, StringComparison.Ordinal);
            running.Terminate();
            Assert.Equal(0, await running.WaitForExitAsync(ExitTimeout));
        }

        await using var after = RampartProcess.StartRampart(["run", "--config", secondConfig]);
        await after.WaitForOutputAsync("Rampart started from");
    }

    [Fact]
    public async Task Version_prints_the_version_the_api_reports()
    {
        await using var run = await RampartProcess.RunRampartAsync(["--version"], ExitTimeout);

        Assert.Equal(0, run.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", run.Stdout.Trim());
    }
}
