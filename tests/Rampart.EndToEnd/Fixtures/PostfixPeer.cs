using Rampart.Testing.Processes;
using System.Net;
using Rampart.Testing;

namespace Rampart.EndToEnd.Fixtures;

/// <summary>How the Postfix peer's SMTP client talks to Rampart (Postfix's smtp_tls_security_level).</summary>
public enum PostfixTls
{
    /// <summary>"none": plain SMTP even though Rampart offers STARTTLS.</summary>
    None,

    /// <summary>"encrypt": STARTTLS is mandatory, the certificate is not verified (Rampart's is self-signed).</summary>
    Encrypt,
}

/// <summary>
/// A private Postfix instance (see /work/shared/REAL-PARTS.md §4) acting as an upstream MTA: it accepts mail
/// on a free 127.0.0.1 port and relays everything for example.test to Rampart's inbound listener. Config is
/// generated into a temp folder, <c>postfix -c DIR check</c> creates the queue once, then postfix's
/// <c>master -d -c DIR</c> runs as our child process and is stopped with SIGTERM. Needs root (master
/// switches to the postfix user), like every private Postfix instance.
/// </summary>
public sealed class PostfixPeer : IAsyncDisposable
{
    public const string HostName = "relay.peer.test";
    private const string MasterPath = "/usr/lib/postfix/sbin/master";

    private readonly TempDirectory temp;
    private readonly RampartProcess master;

    private PostfixPeer(TempDirectory temp, RampartProcess master, int port)
    {
        this.temp = temp;
        this.master = master;
        Port = port;
    }

    public int Port { get; }

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    public string MailLogPath => temp.File("maillog");

    /// <summary>Postfix's own log (maillog_file), for assertions and failure messages.</summary>
    public string MailLog => File.Exists(MailLogPath) ? File.ReadAllText(MailLogPath) : "(no maillog yet)";

    /// <summary>Waits (bounded) until the maillog contains <paramref name="text"/>; log lines trail the events a little.</summary>
    public async Task WaitForLogAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!MailLog.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"postfix maillog has no '{text}' after {timeout.TotalSeconds} s\n{Describe()}");
            await Task.Delay(50);
        }
    }

    /// <summary>Everything useful when a test fails: master's output and the maillog.</summary>
    public string Describe() => $"{master.Describe()}\n--- postfix maillog ---\n{MailLog}";

    public static async Task<PostfixPeer> StartAsync(int relayPort, PostfixTls tls)
    {
        var postfix = RequiredTool.Find("postfix");
        var masterPath = RequiredTool.At(MasterPath);
        var chown = RequiredTool.Find("chown");
        if (Environment.UserName != "root")
        {
            throw new InvalidOperationException(
                $"a private Postfix instance needs root (master switches to the postfix user); running as '{Environment.UserName}'");
        }

        var temp = new TempDirectory("rampart-postfix");
        try
        {
            int port = FreePort.Next();
            var etc = Directory.CreateDirectory(temp.File("etc")).FullName;
            Directory.CreateDirectory(temp.File("queue"));
            Directory.CreateDirectory(temp.File("data"));
            // The postfix user must reach the queue and data folders whatever the test runner's umask is.
            File.SetUnixFileMode(temp.Path, (UnixFileMode)0b111_101_101);
            await File.WriteAllTextAsync(Path.Combine(etc, "main.cf"), MainCf(temp.Path, relayPort, tls));
            await File.WriteAllTextAsync(Path.Combine(etc, "master.cf"), MasterCf(port));
            await File.WriteAllTextAsync(Path.Combine(etc, "transport"), $"example.test smtp:[127.0.0.1]:{relayPort}\n");

            // Pitfall: "warning: not owned by postfix: $T/data/." unless the data folder is postfix's.
            await using (var owner = await RampartProcess.RunAsync(chown, ["postfix", temp.File("data")], TimeSpan.FromSeconds(10)))
            {
                if (owner.ExitCode != 0) throw new InvalidOperationException($"chown postfix failed:\n{owner.Describe()}");
            }

            await using (var check = await RampartProcess.RunAsync(postfix, ["-c", etc, "check"], TimeSpan.FromSeconds(60)))
            {
                if (check.ExitCode != 0) throw new InvalidOperationException($"postfix check failed:\n{check.Describe()}\n{await ExplainCheckAsync(postfix, etc)}");
            }

            var master = RampartProcess.Start(masterPath, ["-d", "-c", etc]);
            var peer = new PostfixPeer(temp, master, port);
            try
            {
                await peer.WaitUntilReadyAsync(TimeSpan.FromSeconds(30));
            }
            catch
            {
                await peer.DisposeAsync();
                throw;
            }
            return peer;
        }
        catch
        {
            temp.Dispose();
            throw;
        }
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
            await using var tty = await RampartProcess.RunAsync(script, ["-q", "-c", $"{postfix} -c {etc} check", "/dev/null"], TimeSpan.FromSeconds(60));
            return $"--- postfix check on a pseudo-tty ---\n{tty.Stdout}{tty.Stderr}";
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
            return $"(could not re-run postfix check on a tty: {ex.Message})";
        }
    }

    /// <summary>Ready when a connection reads Postfix's "220 " greeting.</summary>
    private async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        string last = "";
        while (true)
        {
            if (master.HasExited) throw new InvalidOperationException($"postfix master exited during start-up.\n{Describe()}");
            try
            {
                await using var smtp = await SmtpTranscript.ConnectAsync(EndPoint);
                var greeting = await smtp.ReadReplyAsync(TimeSpan.FromSeconds(5));
                if (greeting[^1].StartsWith("220 ", StringComparison.Ordinal))
                {
                    await smtp.SendAsync("QUIT\r\n");
                    return;
                }
                last = string.Join(" | ", greeting);
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or OperationCanceledException)
            {
                last = ex.Message;
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"postfix not ready on port {Port} after {timeout.TotalSeconds} s (last: {last}).\n{Describe()}");
            await Task.Delay(100);
        }
    }

    private static string MainCf(string t, int relayPort, PostfixTls tls)
    {
        var level = tls == PostfixTls.Encrypt ? "encrypt" : "none";
        return $"""
            # Generated by the Rampart end-to-end tests: an upstream MTA relaying example.test to Rampart on {relayPort}.
            compatibility_level = 3.6
            queue_directory = {t}/queue
            data_directory = {t}/data
            mail_owner = postfix
            setgid_group = postdrop
            myhostname = {HostName}
            mydomain = peer.test
            myorigin = $myhostname
            inet_interfaces = 127.0.0.1
            inet_protocols = ipv4
            mydestination =
            mynetworks = 127.0.0.0/8
            relay_domains = example.test
            transport_maps = texthash:{t}/etc/transport
            relay_transport = smtp
            default_transport = error:outbound mail disabled in test
            local_transport = error:local delivery disabled
            alias_maps =
            alias_database =
            smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
            smtpd_banner = $myhostname ESMTP Postfix (rampart e2e peer)
            smtpd_tls_security_level = none
            smtp_tls_security_level = {level}
            smtp_tls_loglevel = 1
            smtp_tls_session_cache_database =
            smtp_connect_timeout = 5s
            maillog_file = {t}/maillog
            maillog_file_prefixes = {t}
            biff = no
            smtputf8_enable = no
            default_process_limit = 10
            notify_classes =
            queue_run_delay = 1s
            minimal_backoff_time = 1s
            maximal_backoff_time = 2s
            bounce_queue_lifetime = 0
            maximal_queue_lifetime = 1h

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

    public async ValueTask DisposeAsync()
    {
        // SIGTERM to master stops it and all its children (about 1 s); SIGKILL only if it hangs.
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
        temp.Dispose();
    }
}
