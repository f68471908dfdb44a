using System.Net;
using System.Net.Sockets;
using Xunit;

namespace Rampart.Testing.Processes;

/// <summary>
/// What every private Postfix of the tests shares (REAL-PARTS.md §4), whatever its role: config is generated
/// into a temp folder (<c>etc/</c> with main.cf and master.cf, <c>queue/</c>, <c>data/</c>, <c>maillog</c>),
/// <c>postfix -c DIR check</c> creates the queue once, then postfix's <c>master -d -c DIR</c> runs as our child
/// process, listens on a free 127.0.0.1 port and is stopped with SIGTERM. Needs root (master switches to the
/// postfix user). A role (<see cref="PostfixServer"/>, <see cref="PostfixPeer"/>) adds its own main.cf lines
/// (<see cref="RoleSettings"/>) and files (<see cref="PrepareAsync"/>), and starts through
/// <see cref="StartAsync{T}"/>.
/// </summary>
public abstract class PostfixInstance : IAsyncDisposable
{
    private const string MasterPath = "/usr/lib/postfix/sbin/master";

    private readonly TempDirectory temp;
    private readonly string hostName;
    private readonly string domain;
    private readonly string purpose;
    private ChildProcess? master;

    /// <param name="tempPrefix">Name prefix of the temp folder.</param>
    /// <param name="hostName">myhostname, also in the 220 greeting.</param>
    /// <param name="domain">mydomain.</param>
    /// <param name="purpose">What this Postfix is for: the comment at the top of main.cf.</param>
    protected PostfixInstance(string tempPrefix, string hostName, string domain, string purpose)
    {
        temp = new TempDirectory(tempPrefix);
        this.hostName = hostName;
        this.domain = domain;
        this.purpose = purpose;
        Port = FreePort.Next();
    }

    public int Port { get; }

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    /// <summary>The instance folder: etc/, queue/, data/, maillog and whatever the role adds.</summary>
    protected string Folder => temp.Path;

    /// <summary>The folder with main.cf, master.cf and the role's lookup tables.</summary>
    protected string Etc => temp.File("etc");

    public string MailLogPath => temp.File("maillog");

    /// <summary>Postfix's own log (maillog_file), for assertions and failure messages.</summary>
    public string MailLog => File.Exists(MailLogPath) ? File.ReadAllText(MailLogPath) : "(no maillog yet)";

    /// <summary>Waits (bounded) until the maillog contains <paramref name="text"/>; log lines trail the events a little.</summary>
    public Task WaitForLogAsync(string text, TimeSpan timeout) =>
        BoundedWait.UntilAsync(() => MailLog.Contains(text, StringComparison.Ordinal), $"'{text}' in postfix's maillog", timeout, Describe,
            TimeSpan.FromMilliseconds(50));

    /// <summary>Everything useful when a test fails: master's output and the maillog.</summary>
    public string Describe() => $"{master?.Describe() ?? "(postfix master not started)"}\n--- postfix maillog ---\n{MailLog}";

    /// <summary>The role's main.cf lines, added to the shared ones (paths, host name, loopback only, maillog); <paramref name="t"/> is the instance folder.</summary>
    protected abstract string RoleSettings(string t);

    /// <summary>Writes the role's own files (lookup tables, certificates, extra folders) before <c>postfix check</c>.</summary>
    protected virtual Task PrepareAsync() => Task.CompletedTask;

    /// <summary>Sets up and starts <paramref name="instance"/>, waiting for its 220 greeting; disposes it if that fails.</summary>
    protected static async Task<T> StartAsync<T>(T instance) where T : PostfixInstance
    {
        try
        {
            await instance.StartAsync();
            return instance;
        }
        catch
        {
            await instance.DisposeAsync();
            throw;
        }
    }

    private async Task StartAsync()
    {
        var postfix = RequiredTool.Find("postfix");
        var masterPath = RequiredTool.At(MasterPath);
        if (Environment.UserName != "root")
        {
            throw new InvalidOperationException(
                $"a private Postfix instance needs root (master switches to the postfix user); running as '{Environment.UserName}'");
        }

        Directory.CreateDirectory(Etc);
        Directory.CreateDirectory(temp.File("queue"));
        Directory.CreateDirectory(temp.File("data"));
        // The postfix user (and the role's delivery uid) must reach their folders whatever the test runner's umask is.
        File.SetUnixFileMode(Folder, (UnixFileMode)0b111_101_101);
        await PrepareAsync();
        await File.WriteAllTextAsync(Path.Combine(Etc, "main.cf"), MainCf());
        await File.WriteAllTextAsync(Path.Combine(Etc, "master.cf"), MasterCf(Port));

        // Pitfall: "warning: not owned by postfix: $T/data/." unless the data folder is postfix's.
        await ChownAsync("postfix", temp.File("data"));

        await using (var check = await ChildProcess.RunAsync(postfix, ["-c", Etc, "check"], TimeSpan.FromSeconds(60)))
        {
            if (check.ExitCode != 0) throw new InvalidOperationException($"postfix check failed:\n{check.Describe()}\n{await ExplainCheckAsync(postfix, Etc)}");
        }

        master = ChildProcess.Start(masterPath, ["-d", "-c", Etc]);
        await WaitUntilReadyAsync(master, TimeSpan.FromSeconds(30));
    }

    /// <summary>Gives <paramref name="path"/> to <paramref name="owner"/> ("user" or "user:group").</summary>
    protected static async Task ChownAsync(string owner, string path)
    {
        var chown = RequiredTool.Find("chown");
        await using var run = await ChildProcess.RunAsync(chown, [owner, path], TimeSpan.FromSeconds(10));
        if (run.ExitCode != 0) throw new InvalidOperationException($"chown {owner} failed:\n{run.Describe()}");
    }

    /// <summary>
    /// Pitfall: the postfix command prints its errors only when stderr is a tty (else to an absent syslog),
    /// so a failed check is run again under script(1) to get the reason into the test output.
    /// </summary>
    private static async Task<string> ExplainCheckAsync(string postfix, string etc)
    {
        try
        {
            var script = RequiredTool.Find("script");
            await using var tty = await ChildProcess.RunAsync(script, ["-q", "-c", $"{postfix} -c {etc} check", "/dev/null"], TimeSpan.FromSeconds(60));
            return $"--- postfix check on a pseudo-tty ---\n{tty.Stdout}{tty.Stderr}";
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
            return $"(could not re-run postfix check on a tty: {ex.Message})";
        }
    }

    /// <summary>Ready when a connection reads Postfix's "220 " greeting.</summary>
    private async Task WaitUntilReadyAsync(ChildProcess started, TimeSpan timeout)
    {
        string last = "";
        await BoundedWait.UntilAsync(async _ =>
        {
            if (started.HasExited) throw new InvalidOperationException($"postfix master exited during start-up.\n{Describe()}");
            try
            {
                await using var smtp = await SmtpTranscript.ConnectAsync(EndPoint);
                var greeting = await smtp.ReadReplyAsync(TimeSpan.FromSeconds(5));
                if (greeting[^1].StartsWith("220 ", StringComparison.Ordinal))
                {
                    await smtp.SendAsync("QUIT\r\n");
                    return true;
                }
                last = string.Join(" | ", greeting);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
            {
                last = ex.Message;
            }
            return false;
        }, $"postfix greeting with 220 on port {Port}", timeout, () => $"last: {last}\n{Describe()}", TimeSpan.FromMilliseconds(100));
    }

    /// <summary>The shared main.cf lines around the role's; nothing delivers locally and nothing leaves but by the role's transports.</summary>
    private string MainCf()
    {
        var t = Folder;
        return $"""
            # Generated by the Rampart tests: {purpose}
            compatibility_level = 3.6
            queue_directory = {t}/queue
            data_directory = {t}/data
            mail_owner = postfix
            setgid_group = postdrop
            myhostname = {hostName}
            mydomain = {domain}
            myorigin = $myhostname
            inet_interfaces = 127.0.0.1
            inet_protocols = ipv4
            mydestination =
            mynetworks = 127.0.0.0/8
            local_transport = error:local delivery disabled
            default_transport = error:outbound mail disabled in test
            alias_maps =
            alias_database =
            maillog_file = {t}/maillog
            maillog_file_prefixes = {t}
            biff = no
            default_process_limit = 10
            notify_classes =
            {RoleSettings(t)}
            """;
    }

    /// <summary>The stock services, nothing chrooted, smtpd only on our port.</summary>
    private static string MasterCf(int port) => $"""
        127.0.0.1:{port} inet n - n - - smtpd
        pickup    unix  n       -       n       60      1       pickup
        cleanup   unix  n       -       n       -       0       cleanup
        qmgr      unix  n       -       n       300     1       qmgr
        tlsmgr    unix  -       -       n       1000?   1       tlsmgr
        rewrite   unix  -       -       n       -       -       trivial-rewrite
        bounce    unix  -       -       n       -       0       bounce
        defer     unix  -       -       n       -       0       bounce
        trace     unix  -       -       n       -       0       bounce
        verify    unix  -       -       n       -       1       verify
        flush     unix  n       -       n       1000?   0       flush
        proxymap  unix  -       -       n       -       -       proxymap
        proxywrite unix -       -       n       -       1       proxymap
        smtp      unix  -       -       n       -       -       smtp
        relay     unix  -       -       n       -       -       smtp
        showq     unix  n       -       n       -       -       showq
        error     unix  -       -       n       -       -       error
        retry     unix  -       -       n       -       -       error
        discard   unix  -       -       n       -       -       discard
        local     unix  -       n       n       -       -       local
        virtual   unix  -       n       n       -       -       virtual
        lmtp      unix  -       -       n       -       -       lmtp
        anvil     unix  -       -       n       -       1       anvil
        scache    unix  -       -       n       -       1       scache
        postlog   unix-dgram n  -       n       -       1       postlogd

        """;

    /// <summary>Stops master (SIGTERM stops it and all its children, about 1 s; killed if it hangs) and removes the folder.</summary>
    public virtual async ValueTask DisposeAsync()
    {
        if (master is not null)
        {
            master.Terminate();
            try
            {
                await master.WaitForExitAsync(TimeSpan.FromSeconds(15));
            }
            catch (TimeoutException)
            {
                // WaitForExitAsync has killed it; its children exit when master's pipes close.
            }
            await master.DisposeAsync();
        }
        temp.Dispose();
        GC.SuppressFinalize(this);
    }
}
