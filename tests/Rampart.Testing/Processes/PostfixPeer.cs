namespace Rampart.Testing.Processes;

/// <summary>How the Postfix peer's SMTP client talks to Rampart (Postfix's smtp_tls_security_level).</summary>
public enum PostfixTls
{
    /// <summary>"none": plain SMTP even though Rampart offers STARTTLS.</summary>
    None,

    /// <summary>"encrypt": STARTTLS is mandatory, the certificate is not verified (Rampart's is self-signed).</summary>
    Encrypt,
}

/// <summary>
/// A private Postfix (<see cref="PostfixInstance"/>, REAL-PARTS.md §4) acting as an upstream MTA: it accepts mail
/// on a free 127.0.0.1 port and relays everything for example.test to Rampart's inbound listener, retrying fast.
/// </summary>
public sealed class PostfixPeer : PostfixInstance
{
    public const string HostName = "relay.peer.test";

    private readonly int relayPort;
    private readonly PostfixTls tls;

    private PostfixPeer(int relayPort, PostfixTls tls)
        : base("rampart-postfix", HostName, "peer.test", $"an upstream MTA relaying example.test to Rampart on {relayPort}.")
    {
        this.relayPort = relayPort;
        this.tls = tls;
    }

    /// <summary>Starts a Postfix that relays example.test to 127.0.0.1:<paramref name="relayPort"/>.</summary>
    public static Task<PostfixPeer> StartAsync(int relayPort, PostfixTls tls) => StartAsync(new PostfixPeer(relayPort, tls));

    protected override Task PrepareAsync() =>
        File.WriteAllTextAsync(Path.Combine(Etc, "transport"), $"example.test smtp:[127.0.0.1]:{relayPort}\n");

    protected override string RoleSettings(string t) => $"""
        relay_domains = example.test
        transport_maps = texthash:{t}/etc/transport
        relay_transport = smtp
        smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
        smtpd_banner = $myhostname ESMTP Postfix (rampart e2e peer)
        smtpd_tls_security_level = none
        smtp_tls_security_level = {(tls == PostfixTls.Encrypt ? "encrypt" : "none")}
        smtp_tls_loglevel = 1
        smtp_tls_session_cache_database =
        smtp_connect_timeout = 5s
        smtputf8_enable = no
        queue_run_delay = 1s
        minimal_backoff_time = 1s
        maximal_backoff_time = 2s
        bounce_queue_lifetime = 0
        maximal_queue_lifetime = 1h

        """;
}
