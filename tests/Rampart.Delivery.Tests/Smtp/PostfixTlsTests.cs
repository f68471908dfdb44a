using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Rampart.Delivery.Smtp;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.Delivery.Tests.Smtp;

/// <summary>STARTTLS policies (RFC 3207, postfix's may/encrypt/verify levels) against a real Postfix with a per-run test CA.</summary>
public sealed class PostfixTlsTests(ModernPostfix postfix) : IClassFixture<ModernPostfix>
{
    private PostfixServer Server => postfix.Server;

    private Task<SmtpClientConnection> ConnectAsync(SmtpClientOptions options, string host = TestPki.ServerName) =>
        SmtpClientConnection.ConnectAsync(Server.EndPoint, host, options, CancellationToken.None);

    private async Task DeliverAsync(SmtpClientConnection client, string subject)
    {
        var reply = Assert.Single(await client.SendAsync(Messages.Create(Messages.Text(subject, "over TLS\r\n"), "bob@example.test"), CancellationToken.None));
        Assert.Equal(250, reply.Code);
        // Postfix's own words are kept verbatim, queue id included ("Ok: 187 bytes queued as 1CD57B2" after BDAT).
        Assert.Matches(@"^250 2\.0\.0 Ok: \d+ bytes queued as [0-9A-Z]+$", reply.ToString());
        await client.QuitAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Opportunistic_tls_is_used_when_offered_and_the_message_lands_in_the_maildir()
    {
        await using var client = await ConnectAsync(Messages.Options());
        Assert.StartsWith("TLSv1.", client.TlsProtocol);
        Assert.True(client.Capabilities.Chunking);
        Assert.False(client.Capabilities.StartTls);

        await DeliverAsync(client, "opportunistic");

        var stored = await Server.WaitForMessageAsync("bob", "Subject: opportunistic");
        Assert.Contains("with ESMTPS id", stored);
    }

    [Fact]
    public async Task Policy_none_stays_in_plaintext()
    {
        await using var client = await ConnectAsync(Messages.Options(TlsPolicy.None));
        Assert.Null(client.TlsProtocol);
        Assert.True(client.Capabilities.StartTls);
        await DeliverAsync(client, "plaintext");
        Assert.Contains("with ESMTP id", await Server.WaitForMessageAsync("bob", "Subject: plaintext"));
    }

    [Fact]
    public async Task Verified_accepts_a_certificate_from_the_trusted_ca_with_the_right_name()
    {
        var options = Messages.Options(TlsPolicy.Verified) with { TrustedRoots = [Server.Pki.Ca] };
        await using var client = await ConnectAsync(options);
        Assert.NotNull(client.TlsProtocol);
        await DeliverAsync(client, "verified");
        await Server.WaitForMessageAsync("bob", "Subject: verified");
    }

    [Fact]
    public async Task Verified_refuses_a_certificate_from_another_ca()
    {
        var options = Messages.Options(TlsPolicy.Verified) with { TrustedRoots = [Server.Pki.RogueCa] };
        var ex = await Assert.ThrowsAsync<SmtpClientException>(() => ConnectAsync(options));
        Assert.Equal("4.7.5", ex.Reply.Status.ToString());
        Assert.Contains("not trusted", ex.Reply.Text);
        Assert.True(ex.TryNextHost);
    }

    [Fact]
    public async Task Verified_refuses_a_name_the_certificate_does_not_carry()
    {
        var options = Messages.Options(TlsPolicy.Verified) with { TrustedRoots = [Server.Pki.Ca] };
        var ex = await Assert.ThrowsAsync<SmtpClientException>(() => ConnectAsync(options, host: "mx2.other.test"));
        Assert.Contains("RemoteCertificateNameMismatch", ex.Reply.Text);
    }

    [Fact]
    public async Task Verified_accepts_a_pinned_fingerprint_even_without_a_trusted_chain()
    {
        // openssl-style "AB:CD:..." in lower case: colons and case do not matter.
        var pin = string.Join(':', Convert.ToHexString(Server.Pki.Server.GetCertHash(System.Security.Cryptography.HashAlgorithmName.SHA256)).Chunk(2).Select(c => new string(c))).ToLowerInvariant();
        var options = Messages.Options(TlsPolicy.Verified) with { TrustedRoots = [Server.Pki.RogueCa], PinnedFingerprints = [pin] };
        await using var client = await ConnectAsync(options, host: "pinned.example.test");
        await DeliverAsync(client, "pinned");
        await Server.WaitForMessageAsync("bob", "Subject: pinned");
    }

    [Fact]
    public async Task Verified_refuses_a_wrong_pin()
    {
        var options = Messages.Options(TlsPolicy.Verified) with
        {
            TrustedRoots = [Server.Pki.RogueCa],
            PinnedFingerprints = [new string('A', 64)],
        };
        var ex = await Assert.ThrowsAsync<SmtpClientException>(() => ConnectAsync(options));
        Assert.Equal("4.7.5", ex.Reply.Status.ToString());
        Assert.Contains("is not pinned", ex.Reply.Text);
    }
}

/// <summary>Mutual TLS toward an internal Postfix that requires a client certificate (smtpd_tls_req_ccert).</summary>
public sealed class PostfixMutualTlsTests(MutualTlsPostfix postfix) : IClassFixture<MutualTlsPostfix>
{
    private PostfixServer Server => postfix.Server;

    [Fact]
    public async Task With_the_client_certificate_the_message_lands_in_bobs_maildir()
    {
        var options = Messages.Options(TlsPolicy.Verified) with { TrustedRoots = [Server.Pki.Ca], ClientCertificate = Offered(Server.Pki.Client) };
        await using var client = await SmtpClientConnection.ConnectAsync(Server.EndPoint, TestPki.ServerName, options, CancellationToken.None);

        var reply = Assert.Single(await client.SendAsync(Messages.Create(Messages.Text("mtls", "mutual\r\n"), "bob@example.test"), CancellationToken.None));

        Assert.Equal(250, reply.Code);
        var stored = await Server.WaitForMessageAsync("bob", "Subject: mtls");
        Assert.Contains("Client CN \"gateway.example.test\"", stored);
        await client.QuitAsync(CancellationToken.None);
    }

    /// <summary>
    /// A client certificate issued by an intermediate CA, where Postfix trusts the root alone: the intermediate of the
    /// route's full-chain file goes with it, or Postfix cannot verify it.
    /// </summary>
    [Fact]
    public async Task A_client_certificate_from_an_intermediate_is_sent_with_its_chain_and_verified()
    {
        using var client = Server.Pki.IssueClientFromIntermediate();
        var options = Messages.Options(TlsPolicy.Verified) with
        {
            TrustedRoots = [Server.Pki.Ca],
            ClientCertificate = Offered(client, Server.Pki.Intermediate),
        };
        await using var connection = await SmtpClientConnection.ConnectAsync(Server.EndPoint, TestPki.ServerName, options, CancellationToken.None);

        var reply = Assert.Single(await connection.SendAsync(Messages.Create(Messages.Text("mtls-chain", "mutual\r\n"), "bob@example.test"), CancellationToken.None));

        Assert.Equal(250, reply.Code);
        Assert.Contains("Client CN \"gateway.example.test\", Issuer \"Rampart Test Intermediate CA\"", await Server.WaitForMessageAsync("bob", "Subject: mtls-chain"));
        await connection.QuitAsync(CancellationToken.None);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Without_a_trusted_client_certificate_the_connection_fails_with_a_4xx(bool rogue)
    {
        var options = Messages.Options(TlsPolicy.Verified) with
        {
            TrustedRoots = [Server.Pki.Ca],
            ClientCertificate = rogue ? Offered(Server.Pki.RogueClient) : null,
        };
        var ex = await Assert.ThrowsAsync<SmtpClientException>(async () =>
        {
            await using var client = await SmtpClientConnection.ConnectAsync(Server.EndPoint, TestPki.ServerName, options, CancellationToken.None);
            await client.SendAsync(Messages.Create(Messages.Text("no cert", "x\r\n"), "bob@example.test"), CancellationToken.None);
        });
        // Postfix 3.7 answers the EHLO inside TLS with "421 4.7.1 ... Error: No client certificate presented"
        // (or "Client certificate not trusted"), then closes; an older one just drops the connection (4.4.2).
        Assert.Equal(4, ex.Reply.Code / 100);
        Assert.Equal(4, ex.Reply.Status!.Value.Class);
        Assert.Contains("certificate", ex.Reply.Text, StringComparison.OrdinalIgnoreCase);
        Assert.True(ex.TryNextHost);
    }

    /// <summary>As a route offers its client certificate: with the intermediates of its file, put together offline.</summary>
    private static SslStreamCertificateContext Offered(X509Certificate2 certificate, params X509Certificate2[] intermediates) =>
        SslStreamCertificateContext.Create(certificate, [.. intermediates], offline: true);
}
