namespace Rampart.Smtp.Session;

/// <summary>
/// Every bound the engine enforces, each with the reason for its default (the KestrelServerLimits
/// habit). The host validates them at start-up and names the config key that is wrong.
/// </summary>
public sealed record SmtpLimits
{
    /// <summary>Postfix's line_length_limit; RFC 5321 §4.5.3.1.4 allows 512 plus room for ESMTP parameters.</summary>
    public int MaxCommandLine { get; init; } = 2048;

    /// <summary>
    /// Longest text line in the content, excluding CRLF. RFC 5321 §4.5.3.1.6 says senders stay within 998,
    /// but also asks receivers to be liberal; 64 KiB refuses only abuse while real mail passes.
    /// </summary>
    public int MaxTextLine { get; init; } = 65536;

    /// <summary>35 MiB, Exchange Online's default; advertised in EHLO SIZE (RFC 1870).</summary>
    public long MaxMessageSize { get; init; } = 35L * 1024 * 1024;

    /// <summary>
    /// Received: fields a message may carry before it is taken for a loop (RFC 5321 §6.3) and refused
    /// with 554 5.4.6; ours is not counted. 50 is postfix's hopcount_limit. REVIEW: §6.3 asks for a
    /// threshold of "normally at least 100"; 50 has not been seen to refuse real mail in postfix's decades.
    /// </summary>
    public int MaxReceivedHeaders { get; init; } = 50;

    /// <summary>
    /// Bytes of the client's header section (up to and including the empty line that ends it; our Received field is
    /// not counted, it is ours and bounded), refused with 552 5.3.4 after the message. Filters read the header
    /// section whole into memory, so this bounds what one message costs them. 256 KiB is Exchange's receive
    /// connector MaxHeaderSize; real mail stays far below it (a few KiB, tens with long trace and ARC chains).
    /// </summary>
    public long MaxHeaderSize { get; init; } = DefaultMaxHeaderSize;

    public const long DefaultMaxHeaderSize = 256 * 1024;

    /// <summary>RFC 5321 §4.5.3.1.8: a server must accept at least 100 recipients.</summary>
    public int MaxRecipients { get; init; } = 100;

    /// <summary>Postfix has no limit, Exchange 20; 100 keeps a bulk sender reconnecting now and then.</summary>
    public int MaxMessagesPerConnection { get; init; } = 100;

    /// <summary>Postfix smtpd_hard_error_limit is 20; after this many 4xx/5xx replies we answer 421 and close.</summary>
    public int MaxErrors { get; init; } = 20;

    /// <summary>RFC 5321 §4.5.3.2.7: a server should wait at least 5 minutes for the next command.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>RFC 5321 §4.5.3.2.5: 3 minutes per data block; applied to each read while content arrives.</summary>
    public TimeSpan DataTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>
    /// The whole connection, however busy: each read has its own timer, so without this a client that sends a byte
    /// just inside every timeout keeps its slot for ever. Exchange's receive connectors cut every connection at 10
    /// minutes (ConnectionTimeout); 30 leaves a bulk sender room for a run of ordinary messages on one connection.
    /// Past it: 421 4.4.2, checked before every read.
    /// </summary>
    public TimeSpan MaxSessionDuration { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// From DATA (or the first BDAT) to the end of the content, the whole BDAT sequence included. 10 minutes is
    /// Exchange's ConnectionTimeout and RFC 5321 §4.5.3.2.6's wait for the reply to the final dot: a message of the
    /// default 35 MiB maximum then needs 60 KB/s, which any link that sends mail of that size has. Past it: 421 4.4.2.
    /// </summary>
    public TimeSpan MaxDataDuration { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Bytes per second of content, averaged over the time spent waiting for it, below which the session is closed
    /// with 421 4.4.2: Kestrel's MinRequestBodyDataRate (240 bytes/s after a 5 s grace), which holds back a
    /// slow-trickle client without touching a slow modem. 0 turns the check off.
    /// </summary>
    public int MinDataRate { get; init; } = 240;

    /// <summary>Kestrel's grace period: the rate is not judged before this much waiting for content.</summary>
    public TimeSpan MinDataRateGrace { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// NOOP, RSET, VRFY, HELP and unimplemented verbs (EXPN, ETRN...) a session may send; the next gets 421 4.7.0.
    /// Postfix's smtpd_junk_command_limit (100), forgiven like postfix when a message is accepted.
    /// </summary>
    public int MaxJunkCommands { get; init; } = 100;

    /// <summary>
    /// Pre-greet test (postfix's postscreen_greet_wait): the first line of a multi-line greeting goes out, then
    /// the session waits this long before the last one; a client that speaks meanwhile is a bot that does not
    /// wait for the server (RFC 5321 §3.1, §4.3.1) and gets 554. Zero (the default) greets at once.
    /// </summary>
    public TimeSpan GreetingDelay { get; init; } = TimeSpan.Zero;

    /// <summary>A TLS handshake that takes longer is an attack or a broken client.</summary>
    public TimeSpan TlsHandshakeTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Enough for a busy edge node; above it, 421 4.7.0 (Postfix default process limit is 100).</summary>
    public int MaxConnections { get; init; } = 1000;

    /// <summary>Postfix smtpd_client_connection_count_limit is 50; an IPv6 client is counted per /64 (<see cref="Mail.ClientKey"/>).</summary>
    public int MaxConnectionsPerClient { get; init; } = 50;
}
