using Rampart.Testing.Processes;

namespace Rampart.Delivery.Tests.Smtp;

/// <summary>A current Postfix: STARTTLS offered (smtpd_tls_security_level=may), CHUNKING, 8BITMIME, catch-all.</summary>
public sealed class ModernPostfix : IAsyncLifetime
{
    public PostfixServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await PostfixServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>
/// An older-looking Postfix: no CHUNKING and no 8BITMIME in EHLO (so the client uses DATA and converts 8-bit
/// content), no SMTPUTF8, a small message_size_limit and no catch-all (unknown users get 550 5.1.1).
/// </summary>
public sealed class LegacyPostfix : IAsyncLifetime
{
    public const long SizeLimit = 20_000;

    public PostfixServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await PostfixServer.StartAsync(new PostfixServerOptions
    {
        CatchAll = false,
        TlsLevel = "none",
        DiscardEhloKeywords = ["chunking", "8bitmime"],
        MessageSizeLimit = SizeLimit,
    });

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>Postfix that takes mail only over TLS with a client certificate from the test CA (REAL-PARTS.md §4 mTLS).</summary>
public sealed class MutualTlsPostfix : IAsyncLifetime
{
    public PostfixServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await PostfixServer.StartAsync(new PostfixServerOptions
    {
        TlsLevel = "encrypt",
        RequireClientCertificate = true,
    });

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
