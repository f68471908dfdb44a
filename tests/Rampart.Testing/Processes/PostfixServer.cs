using System.Security.Cryptography.X509Certificates;
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

    /// <summary>The test CA is sent after the server certificate (a full chain, as DANE-TA(2) needs, RFC 7671 §5.2.2).</summary>
    public bool SendCaInChain { get; init; }
    /// <summary>More virtual domains, each with a catch-all into example.test's catch-all maildir (MX-routed tests' domains).</summary>
    public IReadOnlyList<string> OtherDomains { get; init; } = [];

    /// <summary>
    /// The server certificate is <see cref="TestPki.IntermediateServer"/>, sent with the intermediate CA that issued
    /// it (root → intermediate → leaf; the root is not sent), for DANE-TA records on an intermediate.
    /// </summary>
    public bool ChainThroughIntermediate { get; init; }
}

/// <summary>
/// A private Postfix (<see cref="PostfixInstance"/>) as the INTERNAL mail server behind the gateway (REAL-PARTS.md §4):
/// virtual maildir delivery for example.test (bob, carol, optional catch-all), STARTTLS with a per-run test PKI
/// (<see cref="Pki"/>), optionally mutual TLS. Tests assert on the maildir files (<see cref="WaitForMaildirAsync"/>),
/// which Postfix writes with LF line ends.
/// </summary>
public sealed class PostfixServer : PostfixInstance
{
    public const string HostName = "mx-internal.example.test";

    private readonly PostfixServerOptions options;

    private PostfixServer(PostfixServerOptions options)
        : base("rampart-postfix-mx", HostName, "example.test", "the internal mail server (REAL-PARTS.md §4).")
    {
        this.options = options;
        Pki = TestPki.Create();
    }

    /// <summary>The CA that signed the server certificate and the client certificate Postfix accepts.</summary>
    public TestPki Pki { get; }

    /// <summary>The maildir "new" folder of a user: "bob", "carol" or "catchall".</summary>
    public string MaildirNew(string user) => Path.Combine(Folder, "mail", "example.test", user, "new");

    /// <summary>The messages delivered to <paramref name="user"/>, waiting (bounded) until at least <paramref name="count"/> are there.</summary>
    public async Task<string[]> WaitForMaildirAsync(string user, int count = 1, TimeSpan? timeout = null)
    {
        var files = await BoundedWait.ForAsync(() => MaildirFiles(user) is { } files && files.Length >= count ? files : null,
            $"{count} message(s) in {user}'s maildir", timeout ?? TimeSpan.FromSeconds(20), () => $"found {MaildirFiles(user).Length}\n{Describe()}",
            TimeSpan.FromMilliseconds(50));
        return files.Select(File.ReadAllText).ToArray();
    }

    /// <summary>The one message in <paramref name="user"/>'s maildir that contains <paramref name="marker"/> (e.g. a unique subject), waiting for it.</summary>
    public async Task<string> WaitForMessageAsync(string user, string marker, TimeSpan? timeout = null)
    {
        var found = await BoundedWait.ForAsync(
            () => MaildirFiles(user).Select(File.ReadAllText).Where(t => t.Contains(marker, StringComparison.Ordinal)).ToArray() is { Length: > 0 } some ? some : null,
            $"a message with '{marker}' in {user}'s maildir", timeout ?? TimeSpan.FromSeconds(20), Describe, TimeSpan.FromMilliseconds(50));
        return Assert.Single(found);
    }

    private string[] MaildirFiles(string user)
    {
        var dir = MaildirNew(user);
        return Directory.Exists(dir) ? Directory.GetFiles(dir).Order(StringComparer.Ordinal).ToArray() : [];
    }

    public static Task<PostfixServer> StartAsync(PostfixServerOptions? options = null) =>
        StartAsync(new PostfixServer(options ?? new PostfixServerOptions()));

    protected override async Task PrepareAsync()
    {
        var mail = Directory.CreateDirectory(Path.Combine(Folder, "mail")).FullName;
        var pki = Path.Combine(Folder, "pki");
        Pki.WritePem(pki);
        if (options.SendCaInChain) File.AppendAllText(Path.Combine(pki, "server.crt"), Pki.Ca.ExportCertificatePem() + "\n");
        if (options.ChainThroughIntermediate)
        {
            File.WriteAllText(Path.Combine(pki, "server.crt"), Pki.IntermediateServer.ExportCertificatePem() + "\n" + Pki.Intermediate.ExportCertificatePem() + "\n");
            File.WriteAllText(Path.Combine(pki, "server.key"), Pki.IntermediateServer.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem() + "\n");
        }
        // Keys readable by postfix's smtpd after it drops privileges: a test-only shortcut.
        File.SetUnixFileMode(Path.Combine(pki, "server.key"), (UnixFileMode)0b110_100_100);
        var users = "bob@example.test example.test/bob/\ncarol@example.test example.test/carol/\n";
        if (options.CatchAll) users += "@example.test example.test/catchall/\n";
        foreach (var domain in options.OtherDomains) users += $"@{domain} example.test/catchall/\n";
        await File.WriteAllTextAsync(Path.Combine(Etc, "vmailbox"), users);
        // Pitfall (REAL-PARTS.md §4): the maildirs must be the virtual uid's.
        await ChownAsync("nobody:nogroup", mail);
    }

    protected override string RoleSettings(string t) => $"""
        relay_domains =
        relay_transport = error:outbound mail disabled in test
        virtual_mailbox_domains = {string.Join(", ", new[] { "example.test" }.Concat(options.OtherDomains))}
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
        smtpd_tls_security_level = {options.TlsLevel}
        smtpd_tls_ask_ccert = {YesNo(options.RequireClientCertificate)}
        smtpd_tls_req_ccert = {YesNo(options.RequireClientCertificate)}
        smtpd_tls_loglevel = 1
        smtpd_tls_received_header = yes
        smtpd_discard_ehlo_keywords = {string.Join(", ", options.DiscardEhloKeywords)}
        message_size_limit = {options.MessageSizeLimit}
        smtputf8_enable = {YesNo(options.SmtpUtf8)}
        recipient_delimiter = +

        """;

    private static string YesNo(bool value) => value ? "yes" : "no";

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Pki.Dispose();
    }
}
