using Xunit;

namespace Rampart.Testing.Processes;

/// <summary>
/// A private Rspamd (REAL-PARTS.md §2a): our own top-level rspamd.conf over the stock includes, one normal worker on a
/// free 127.0.0.1 port, no proxy, no controller, no fuzzy worker; every network module off and all DNS sent to a
/// closed loopback port, so nothing leaves the machine and no scan waits for a timeout. The compiled hyperscan
/// databases go to a fixed per-machine folder (<see cref="HyperscanCache"/>): the first start on a machine compiles
/// them (15-19 s on 2 cores), every later one loads them (1-2 s). Start it once per test run (a collection fixture).
/// Can be stopped and started again on the same port (an outage).
/// </summary>
public sealed class RspamdServer : IAsyncLifetime
{
    public const string Gtube = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";
    public const string InstallHint = "run scripts/install-test-deps.sh (as root): apt-get install rspamd";

    /// <summary>Kept between runs on purpose (see the class summary); RAMPART_RSPAMD_HS_CACHE overrides it.</summary>
    public static string HyperscanCache => Environment.GetEnvironmentVariable("RAMPART_RSPAMD_HS_CACHE") ?? "/var/tmp/rampart-rspamd-hs";

    /// <summary>Modules that ask DNS or the network (REAL-PARTS.md §2a); on, they add *_FAIL symbols and seconds per scan.</summary>
    private static readonly string[] NetworkModules =
        ["rbl", "spf", "dkim", "dmarc", "asn", "hfilter", "fuzzy_check", "phishing", "arc", "whitelist", "reputation", "neural", "dkim_signing", "replies", "rspamd_update"];

    private readonly TempDirectory temp = new("rampart-rspamd");

    /// <summary>Set by <see cref="CheckingDkim"/>: the test DNS server its DKIM check asks.</summary>
    private int? dkimDnsPort;

    /// <summary>
    /// An Rspamd whose dkim module is on (R_DKIM_ALLOW / R_DKIM_REJECT, also for loopback clients) and asks the test
    /// DNS server on <paramref name="dnsPort"/> for keys: an independent verifier of the signatures Rampart makes.
    /// A factory, not a constructor: a fixture may have only one public constructor.
    /// </summary>
    public static RspamdServer CheckingDkim(int dnsPort) => new() { dkimDnsPort = dnsPort };
    private ChildProcess? rspamd;

    public int Port { get; } = FreePort.Next();
    public Uri Url => new($"http://127.0.0.1:{Port}/");
    public string Log => File.Exists(temp.File("log/rspamd.log")) ? File.ReadAllText(temp.File("log/rspamd.log")) : "";

    public async Task InitializeAsync()
    {
        var deadDns = dkimDnsPort ?? FreePort.Next();
        foreach (var dir in new[] { "local.d", "db", "run", "log" }) Directory.CreateDirectory(temp.File(dir));
        Directory.CreateDirectory(HyperscanCache);
        await File.WriteAllTextAsync(temp.File("rspamd.conf"), $$"""
            .include "$CONFDIR/common.conf"
            options {
                pidfile = "$RUNDIR/rspamd.pid";
                .include "$CONFDIR/options.inc"
                .include(try=true; priority=1,duplicate=merge) "$LOCAL_CONFDIR/local.d/options.inc"
            }
            logging {
                type = "file";
                filename = "$LOGDIR/rspamd.log";
                .include "$CONFDIR/logging.inc"
            }
            worker "normal" {
                bind_socket = "127.0.0.1:{{Port}}";
                .include "$CONFDIR/worker-normal.inc"
                count = 1;
            }
            """ + "\n");
        await File.WriteAllTextAsync(temp.File("local.d/options.inc"), $$"""
            dns { nameserver = ["127.0.0.1:{{deadDns}}"]; timeout = 1s; retransmits = 1; }
            hs_cache_dir = "{{HyperscanCache.TrimEnd('/')}}/";
            """ + "\n");
        foreach (var module in NetworkModules.Where(m => dkimDnsPort is null || m != "dkim"))
        {
            await File.WriteAllTextAsync(temp.File($"local.d/{module}.conf"), "enabled = false;\n");
        }
        if (dkimDnsPort is not null) await File.WriteAllTextAsync(temp.File("local.d/dkim.conf"), "check_local = true;\ncheck_authed = true;\n");
        await File.WriteAllTextAsync(temp.File("local.d/actions.conf"), "greylist = null;\n");
        await StartAsync();
    }

    /// <summary>Starts Rspamd (again) and waits, bounded, until /ping answers pong.</summary>
    public async Task StartAsync()
    {
        var binary = RequiredTool.Find("rspamd", InstallHint);
        var t = temp.Path;
        var started = rspamd = ChildProcess.Start(binary,
            ["-f", "-i", "-c", temp.File("rspamd.conf"), $"--var=LOCAL_CONFDIR={t}", $"--var=DBDIR={t}/db", $"--var=RUNDIR={t}/run", $"--var=LOGDIR={t}/log"]);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        // 120 s: a cold start compiles hyperscan for 15-19 s on an idle 2-core machine, longer when the suite runs beside it.
        await BoundedWait.UntilAsync(async _ =>
        {
            if (started.HasExited) throw new InvalidOperationException($"rspamd exited during start-up.\n{started.Describe()}\n{Log}");
            try
            {
                return (await http.GetStringAsync(new Uri(Url, "ping"))).Trim() == "pong";
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }, "rspamd answering /ping", TimeSpan.FromSeconds(120), () => $"{started.Describe()}\n{Log}", TimeSpan.FromMilliseconds(100));
    }

    /// <summary>Stops Rspamd (SIGTERM to the main process) and waits, bounded, until it has exited.</summary>
    public async Task StopAsync()
    {
        if (rspamd is null) return;
        rspamd.Terminate();
        try
        {
            await rspamd.WaitForExitAsync(TimeSpan.FromSeconds(15));
        }
        catch (TimeoutException)
        {
            // WaitForExitAsync has killed it.
        }
        await rspamd.DisposeAsync();
        rspamd = null;
    }

    public async Task DisposeAsync()
    {
        await StopAsync();
        temp.Dispose();
    }
}
