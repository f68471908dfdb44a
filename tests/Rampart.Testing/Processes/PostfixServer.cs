using System.Net;
using Xunit;

namespace Rampart.Testing.Processes;

/// <summary>How the private Postfix of <see cref="PostfixServer"/> is set up; each field maps to main.cf.</summary>
public sealed record PostfixServerOptions
{
    /// <summary>"@example.test" goes to a catch-all maildir; without it unknown users get 550 5.1.1 (reject_unlisted_recipient).</summary>
    public bool CatchAll { get; init; } = true;

    /// <summary>smtpd_tls_security_level: "none", "may" (STARTTLS offered) or "encrypt" (STARTTLS required).</summary>
    public string TlsLevel { get; init; } = "may";

    /// <summary>smtpd_tls_ask_ccert + smtpd_tls_req_ccert: no mail without a client certificate from the test CA.</summary>
    public bool RequireClientCertificate { get; init; }

    /// <summary>message_size_limit, announced in EHLO as SIZE.</summary>
    public long MessageSizeLimit { get; init; } = 10_240_000;

    /// <summary>smtpd_discard_ehlo_keywords, e.g. "8bitmime" or "chunking", to play an older server.</summary>
    public IReadOnlyList<string> DiscardEhloKeywords { get; init; } = [];

    /// <summary>smtputf8_enable.</summary>
    public bool SmtpUtf8 { get; init; }
}

/// <summary>
/// A private Postfix as the INTERNAL mail server behind the gateway (REAL-PARTS.md §4): virtual maildir delivery
/// for example.test (bob, carol, optional catch-all), STARTTLS with a per-run test PKI (<see cref="Pki"/>),
/// optionally mutual TLS. Config goes to a temp folder; <c>postfix -c DIR check</c> creates the queue, then
/// <c>master -d -c DIR</c> runs as our child and stops on SIGTERM. Needs root (master drops to postfix).
/// Tests assert on the maildir files (<see cref="WaitForMaildirAsync"/>), which Postfix writes with LF line ends.
/// </summary>
public sealed class PostfixServer : IAsyncDisposable
{
    public const string HostName = "mx-internal.example.test";
    private const string MasterPath = "/usr/lib/postfix/sbin/master";

    private readonly TempDirectory temp;
    private readonly RampartProcess master;

    private PostfixServer(TempDirectory temp, RampartProcess master, int port, TestPki pki)
    {
        this.temp = temp;
        this.master = master;
        Port = port;
        Pki = pki;
    }

    public int Port { get; }
    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    /// <summary>The CA that signed the server certificate and the client certificate Postfix accepts.</summary>
    public TestPki Pki { get; }

    public string MailLogPath => temp.File("maillog");
    public string MailLog => File.Exists(MailLogPath) ? File.ReadAllText(MailLogPath) : "(no maillog yet)";

    /// <summary>The maildir "new" folder of a user: "bob", "carol" or "catchall".</summary>
    public string MaildirNew(string user) => Path.Combine(temp.Path, "mail", "example.test", user, "new");

    public string Describe() => $"{master.Describe()}\n--- postfix maildir log ---\n{MailLog}";

    /// <summary>The messages delivered to <paramref name="user"/>, waiting (bounded) until at least <paramref name="count"/> are there.</summary>
    public async Task<string[]> WaitForMaildirAsync(string user, int count = 1, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(20);
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var dir = MaildirNew(user);
            var files = Directory.Exists(dir) ? Directory.GetFiles(dir).Order(StringComparer.Ordinal).ToArray() : [];
            if (files.Length >= count) return files.Select(File.ReadAllText).ToArray();
            if (DateTime.UtcNow > deadline) Assert.Fail($"{files.Length} of {count} messages in {user}'s maildir after {limit.TotalSeconds} s\n{Describe()}");
            await Task.Delay(50);
        }
    }

    /// <summary>The one message in <paramref name="user"/>'s maildir that contains <paramref name="marker"/> (e.g. a unique subject), waiting for it.</summary>
    public async Task<string> WaitForMessageAsync(string user, string marker, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(20);
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var dir = MaildirNew(user);
            var found = (Directory.Exists(dir) ? Directory.GetFiles(dir) : []).Select(File.ReadAllText).Where(t => t.Contains(marker, StringComparison.Ordinal)).ToArray();
            if (found.Length > 0) return Assert.Single(found);
            if (DateTime.UtcNow > deadline) Assert.Fail($"no message with '{marker}' in {user}'s maildir after {limit.TotalSeconds} s\n{Describe()}");
            await Task.Delay(50);
        }
    }

    public static async Task<PostfixServer> StartAsync(PostfixServerOptions? options = null)
    {
        options ??= new PostfixServerOptions();
        var postfix = RequiredTool.Find("postfix");
        var masterPath = RequiredTool.At(MasterPath);
        var chown = RequiredTool.Find("chown");
        if (Environment.UserName != "root")
        {
            throw new InvalidOperationException(
                $"a private Postfix instance needs root (master switches to the postfix user); running as '{Environment.UserName}'");
        }

        var temp = new TempDirectory("rampart-postfix-mx");
        var pki = TestPki.Create();
        try
        {
            int port = FreePort.Next();
            var etc = Directory.CreateDirectory(temp.File("etc")).FullName;
            Directory.CreateDirectory(temp.File("queue"));
            Directory.CreateDirectory(temp.File("data"));
            Directory.CreateDirectory(temp.File("mail"));
            // postfix and nobody (the virtual delivery uid) must reach their folders whatever the runner's umask is.
            File.SetUnixFileMode(temp.Path, (UnixFileMode)0b111_101_101);
            pki.WritePem(temp.File("pki"));
            // Keys readable by postfix's smtpd after it drops privileges: a test-only shortcut.
            File.SetUnixFileMode(temp.File("pki/server.key"), (UnixFileMode)0b110_100_100);
            await File.WriteAllTextAsync(Path.Combine(etc, "main.cf"), MainCf(temp.Path, options));
            await File.WriteAllTextAsync(Path.Combine(etc, "master.cf"), MasterCf(port));
            var users = "bob@example.test example.test/bob/\ncarol@example.test example.test/carol/\n";
            if (options.CatchAll) users += "@example.test example.test/catchall/\n";
            await File.WriteAllTextAsync(Path.Combine(etc, "vmailbox"), users);

            // Pitfalls (REAL-PARTS.md §4): data must be postfix's, the maildirs the virtual uid's.
            await RunAsync(chown, ["postfix", temp.File("data")]);
            await RunAsync(chown, ["nobody:nogroup", temp.File("mail")]);
            await using (var check = await RampartProcess.RunAsync(postfix, ["-c", etc, "check"], TimeSpan.FromSeconds(60)))
            {
                if (check.ExitCode != 0) throw new InvalidOperationException($"postfix check failed (run it under script(1) to see why):\n{check.Describe()}");
            }

            var master = RampartProcess.Start(masterPath, ["-d", "-c", etc]);
            var server = new PostfixServer(temp, master, port, pki);
            try
            {
                await server.WaitUntilReadyAsync(TimeSpan.FromSeconds(30));
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
            return server;
        }
        catch
        {
            pki.Dispose();
            temp.Dispose();
            throw;
        }
    }

    private static async Task RunAsync(string program, string[] args)
    {
        await using var run = await RampartProcess.RunAsync(program, args, TimeSpan.FromSeconds(10));
        if (run.ExitCode != 0) throw new InvalidOperationException($"{program} failed:\n{run.Describe()}");
    }

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

    private static string MainCf(string t, PostfixServerOptions o) => $"""
        # Generated by the Rampart tests: the internal mail server (REAL-PARTS.md §4).
        compatibility_level = 3.6
        queue_directory = {t}/queue
        data_directory = {t}/data
        mail_owner = postfix
        setgid_group = postdrop
        myhostname = {HostName}
        mydomain = example.test
        myorigin = $myhostname
        inet_interfaces = 127.0.0.1
        inet_protocols = ipv4
        mydestination =
        mynetworks = 127.0.0.0/8
        relay_domains =
        local_transport = error:local delivery disabled
        default_transport = error:outbound mail disabled in test
        relay_transport = error:outbound mail disabled in test
        alias_maps =
        alias_database =
        virtual_mailbox_domains = example.test
        virtual_mailbox_base = {t}/mail
        virtual_mailbox_maps = texthash:{t}/etc/vmailbox
        virtual_uid_maps = static:65534
        virtual_gid_maps = static:65534
        virtual_minimum_uid = 100
        smtpd_relay_restrictions = reject_unauth_destination
        smtpd_recipient_restrictions = reject_unlisted_recipient
        smtpd_banner = $myhostname ESMTP Postfix (rampart test)
        # Keep the content as the client sent it: no added or rewritten headers, so tests can compare bytes.
        local_header_rewrite_clients =
        smtpd_tls_cert_file = {t}/pki/server.crt
        smtpd_tls_key_file = {t}/pki/server.key
        smtpd_tls_CAfile = {t}/pki/ca.crt
        smtpd_tls_security_level = {o.TlsLevel}
        smtpd_tls_ask_ccert = {YesNo(o.RequireClientCertificate)}
        smtpd_tls_req_ccert = {YesNo(o.RequireClientCertificate)}
        smtpd_tls_loglevel = 1
        smtpd_tls_received_header = yes
        smtpd_discard_ehlo_keywords = {string.Join(", ", o.DiscardEhloKeywords)}
        message_size_limit = {o.MessageSizeLimit}
        smtputf8_enable = {YesNo(o.SmtpUtf8)}
        maillog_file = {t}/maillog
        maillog_file_prefixes = {t}
        biff = no
        default_process_limit = 10
        notify_classes =
        recipient_delimiter = +

        """;

    private static string YesNo(bool value) => value ? "yes" : "no";

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
        anvil     unix  -       -       n       -       1       anvil
        scache    unix  -       -       n       -       1       scache
        postlog   unix-dgram n  -       n       -       1       postlogd

        """;

    public async ValueTask DisposeAsync()
    {
        // SIGTERM to master stops it and all its children; WaitForExitAsync kills it if it hangs.
        master.Terminate();
        try
        {
            await master.WaitForExitAsync(TimeSpan.FromSeconds(15));
        }
        catch (TimeoutException)
        {
        }
        await master.DisposeAsync();
        Pki.Dispose();
        temp.Dispose();
    }
}
