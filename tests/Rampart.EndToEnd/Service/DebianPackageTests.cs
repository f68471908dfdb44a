using System.Net;
using Rampart.EndToEnd.Fixtures;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.EndToEnd.Service;

/// <summary>
/// The Debian package as an administrator meets it: dpkg -i, the installed unit passes systemd-analyze verify, the
/// program starts as the unit says (its user, only its capability; systemd is not PID 1 here, so setpriv stands in for
/// it), says READY=1, takes a message on the shipped configuration's port 25 into /var/lib/rampart, stops on SIGTERM,
/// and dpkg --purge leaves nothing behind.
/// </summary>
[Collection(SystemConfigCollection.Name)]
public sealed class DebianPackageTests(DebianPackage package) : IClassFixture<DebianPackage>
{
    private const string Unit = "/usr/lib/systemd/system/rampart.service";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Installs_starts_as_its_unit_says_takes_mail_and_purges_clean()
    {
        await DebianPackage.RunOkAsync("dpkg", "-i", package.Path);
        Assert.True(await DebianPackage.IsInstalledAsync());
        var owned = (await DebianPackage.RunOkAsync("dpkg", "-L", "rampart")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        await VerifyUnitAsync();
        await CheckInstalledFilesAsync();

        var unit = UnitFile.Read(Unit);
        var user = unit.Single("User");
        Assert.Equal("CAP_NET_BIND_SERVICE", unit.Single("AmbientCapabilities"));
        Assert.Equal("CAP_NET_BIND_SERVICE", unit.Single("CapabilityBoundingSet"));
        var exec = unit.Single("ExecStart").Split(' ', StringSplitOptions.RemoveEmptyEntries);

        using var notify = NotifySocket.Abstract();
        // What systemd does for User=, AmbientCapabilities=, CapabilityBoundingSet= and NoNewPrivileges=.
        string[] setpriv = [$"--reuid={user}", $"--regid={user}", "--init-groups", "--inh-caps=-all,+net_bind_service",
            "--ambient-caps=-all,+net_bind_service", "--bounding-set=-all,+net_bind_service", "--no-new-privs", .. exec];
        await using var rampart = ChildProcess.Start("setpriv", setpriv,
            new Dictionary<string, string> { ["NOTIFY_SOCKET"] = notify.Name }, workingDirectory: unit.Single("WorkingDirectory"));

        Assert.Equal("READY=1", await notify.ReceiveAsync(Timeout, rampart.Describe));
        var status = await File.ReadAllTextAsync($"/proc/{rampart.Id}/status");
        var uid = (await DebianPackage.RunOkAsync("id", "-u", user)).Stdout.Trim();
        Assert.Matches($"(?m)^Uid:\\s+{uid}\\s+{uid}\\s+{uid}\\s+{uid}$", status);
        Assert.Matches("(?m)^CapEff:\\s+0+400$", status);   // bit 10, CAP_NET_BIND_SERVICE, and nothing else
        Assert.Matches("(?m)^CapBnd:\\s+0+400$", status);

        // The admin API of the shipped configuration, with the token the gateway made for itself in its data folder.
        Assert.Equal("rampart 600", (await DebianPackage.RunOkAsync("stat", "-c", "%U %a", "/var/lib/rampart/admin.token")).Stdout.Trim());
        using (var http = new HttpClient { Timeout = Timeout })
        {
            using var anonymous = await http.GetAsync("http://127.0.0.1:8025/api/version");
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            http.DefaultRequestHeaders.Authorization = new("Bearer", (await File.ReadAllTextAsync("/var/lib/rampart/admin.token")).Trim());
            using var version = await http.GetAsync("http://127.0.0.1:8025/api/version");
            Assert.Equal(HttpStatusCode.OK, version.StatusCode);
        }

        var marker = TestMessages.NewMarker("deb");
        var body = TestMessages.Body(marker);
        await TestMessages.SendAsync(new IPEndPoint(IPAddress.Loopback, 25), "alice@sender.test", "postmaster@example.com",
            TestMessages.Message(marker, "postmaster@example.com", body));
        var mail = Assert.Single(await Eml.WaitForAsync("/var/lib/rampart/drop", 1, TimeSpan.FromSeconds(30), rampart.Describe));
        Assert.Equal(body, mail.Body);
        Assert.Equal(uid, (await DebianPackage.RunOkAsync("stat", "-c", "%u %a", mail.Path)).Stdout.Split(' ')[0]);

        rampart.Terminate();
        Assert.Equal("STOPPING=1", await notify.ReceiveAsync(Timeout, rampart.Describe));
        Assert.Equal(0, await rampart.WaitForExitAsync(Timeout));

        // Installed again over itself, as an upgrade is: the administrator's edit of the conffile, its permissions,
        // the data and the user stay.
        await File.AppendAllTextAsync("/etc/rampart/rampart.yaml", "# edited by the administrator\n");
        await DebianPackage.RunOkAsync("dpkg", "-i", package.Path);
        Assert.EndsWith("# edited by the administrator\n", await File.ReadAllTextAsync("/etc/rampart/rampart.yaml"), StringComparison.Ordinal);
        Assert.Equal("root rampart 640", (await DebianPackage.RunOkAsync("stat", "-c", "%U %G %a", "/etc/rampart/rampart.yaml")).Stdout.Trim());
        Assert.True(File.Exists(mail.Path), "the delivered message went with the reinstall");
        Assert.Equal(uid, (await DebianPackage.RunOkAsync("id", "-u", user)).Stdout.Trim());

        await DebianPackage.RunOkAsync("dpkg", "--purge", "rampart");
        Assert.False(await DebianPackage.IsInstalledAsync());
        var left = owned.Where(p => p != "/." && (File.Exists(p) || IsPackageDirectory(p) && Directory.Exists(p))).ToList();
        Assert.True(left.Count == 0, "left after purge: " + string.Join(", ", left));
        foreach (var path in new[] { "/var/lib/rampart", "/etc/rampart", "/etc/systemd/system/multi-user.target.wants/rampart.service" })
            Assert.False(Path.Exists(path), $"{path} left after purge");
        Assert.NotEqual(0, (await ChildProcess.RunAsync("getent", ["passwd", "rampart"], Timeout)).ExitCode);
        Assert.NotEqual(0, (await ChildProcess.RunAsync("getent", ["group", "rampart"], Timeout)).ExitCode);
    }

    /// <summary>systemd-analyze verify exits 0 on unknown keys and bad values (it only prints them), so the check is
    /// "exit 0 and nothing said"; a broken copy beside it shows that the same call does notice.</summary>
    private static async Task VerifyUnitAsync()
    {
        string[] verify = ["verify", "--man=no"];
        await using (var good = await ChildProcess.RunAsync("systemd-analyze", [.. verify, Unit], Timeout))
        {
            Assert.True(good.ExitCode == 0 && good.Stdout.Trim().Length == 0 && good.Stderr.Trim().Length == 0, good.Describe());
        }
        using var temp = new TempDirectory("rampart-unit");
        var broken = temp.File("rampart.service");
        await File.WriteAllTextAsync(broken, (await File.ReadAllTextAsync(Unit)).Replace("ProtectHome=", "ProtectHomme=", StringComparison.Ordinal));
        await using var bad = await ChildProcess.RunAsync("systemd-analyze", [.. verify, broken], Timeout);
        Assert.Contains("Unknown key 'ProtectHomme'", bad.Stdout + bad.Stderr, StringComparison.Ordinal);
    }

    /// <summary>The user, the data folder and the configuration as postinst leaves them; the CLI finds the file alone.</summary>
    private static async Task CheckInstalledFilesAsync()
    {
        Assert.Equal("rampart rampart 700", (await DebianPackage.RunOkAsync("stat", "-c", "%U %G %a", "/var/lib/rampart")).Stdout.Trim());
        Assert.Equal("root rampart 750", (await DebianPackage.RunOkAsync("stat", "-c", "%U %G %a", "/etc/rampart")).Stdout.Trim());
        Assert.Equal("root rampart 640", (await DebianPackage.RunOkAsync("stat", "-c", "%U %G %a", "/etc/rampart/rampart.yaml")).Stdout.Trim());
        Assert.Contains("/usr/sbin/nologin", (await DebianPackage.RunOkAsync("getent", "passwd", "rampart")).Stdout, StringComparison.Ordinal);
        Assert.Contains(" /etc/rampart/rampart.yaml ", (await DebianPackage.RunOkAsync("dpkg-query", "-W", "-f=${Conffiles}", "rampart")).Stdout,
            StringComparison.Ordinal);

        // On the PATH, the version of Directory.Build.props, and /etc/rampart/rampart.yaml read without --config.
        var version = (await DebianPackage.RunOkAsync("dpkg-query", "-W", "-f=${Version}", "rampart")).Stdout.Trim();
        Assert.StartsWith(version, (await DebianPackage.RunOkAsync("rampart", "--version")).Stdout.Trim(), StringComparison.Ordinal);
        var check = (await DebianPackage.RunOkAsync("rampart", "check-config")).Stdout;
        Assert.StartsWith("/etc/rampart/rampart.yaml: ok", check, StringComparison.Ordinal);
        Assert.Contains("listener inbound: Inbound on 127.0.0.1:25,", check, StringComparison.Ordinal);
        Assert.Contains("listener outbound: Outbound on 127.0.0.1:587,", check, StringComparison.Ordinal);

        // A user outside the rampart group cannot see into /etc/rampart: told so, not given the embedded default.
        await using var outsider = await ChildProcess.RunAsync("setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "rampart", "check-config"], Timeout);
        Assert.True(outsider.ExitCode == 2, outsider.Describe());
        Assert.Contains("/etc/rampart/rampart.yaml: cannot read the configuration file", outsider.Stderr, StringComparison.Ordinal);
    }

    /// <summary>Folders that are the package's alone (shared ones such as /usr/bin stay, rightly).</summary>
    private static bool IsPackageDirectory(string path) =>
        path.Contains("rampart", StringComparison.Ordinal);

    /// <summary>The [Service] keys of a unit file (no quoting or continuation lines: ours has none).</summary>
    private sealed class UnitFile(IReadOnlyList<KeyValuePair<string, string>> entries)
    {
        public static UnitFile Read(string path) => new(File.ReadAllLines(path)
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && l[0] is not '#' and not ';' and not '[' && l.Contains('='))
            .Select(l => new KeyValuePair<string, string>(l[..l.IndexOf('=')], l[(l.IndexOf('=') + 1)..]))
            .ToList());

        public string Single(string key) => Assert.Single(entries, e => e.Key == key).Value;
    }
}
