using Rampart.Testing.Processes;
using Rampart.EndToEnd.Fixtures;
using Rampart.Testing;

namespace Rampart.EndToEnd;

/// <summary>
/// A real upstream MTA (a private Postfix) relays into Rampart's inbound listener, with and without
/// STARTTLS: what arrives in the drop folder carries Rampart's trace header and the body unchanged.
/// </summary>
public sealed class PostfixRelayTests
{
    [Fact]
    public async Task Postfix_relays_into_Rampart_in_plain_SMTP_and_the_body_arrives_intact()
    {
        var eml = await RelayThroughPostfixAsync(PostfixTls.None);

        var received = eml.RampartReceived;
        Assert.Contains("from relay.peer.test ([127.0.0.1]:", received, StringComparison.Ordinal);
        Assert.Contains("with ESMTP id", received, StringComparison.Ordinal);
        Assert.DoesNotContain("using TLS", received, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Postfix_relays_into_Rampart_over_mandatory_STARTTLS_and_the_trace_header_says_so()
    {
        var eml = await RelayThroughPostfixAsync(PostfixTls.Encrypt);

        var received = eml.RampartReceived;
        Assert.Contains("from relay.peer.test ([127.0.0.1]:", received, StringComparison.Ordinal);
        Assert.Contains("with ESMTPS id", received, StringComparison.Ordinal);
        Assert.True(received.Contains("(using TLSv1.3 with cipher", StringComparison.Ordinal) ||
                    received.Contains("(using TLSv1.2 with cipher", StringComparison.Ordinal),
            $"expected TLSv1.3 or TLSv1.2 in Rampart's Received field: {received}");
    }

    /// <summary>
    /// Sends one message to Postfix, which must relay it to Rampart; returns the .eml Rampart dropped after
    /// checking the envelope, the single Rampart trace header and a byte-exact body.
    /// </summary>
    private static async Task<Eml> RelayThroughPostfixAsync(PostfixTls tls)
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var postfix = await PostfixPeer.StartAsync(gateway.Inbound.Port, tls);

        var marker = TestMessages.NewMarker(tls == PostfixTls.Encrypt ? "pf-tls" : "pf-plain");
        var body = TestMessages.Body(marker);
        var reply = await TestMessages.SendAsync(postfix.EndPoint, "alice@sender.test", "bob@example.test",
            TestMessages.Message(marker, "bob@example.test", body));
        Assert.StartsWith("250 2.0.0 Ok: queued as", reply, StringComparison.Ordinal);

        var files = await Eml.WaitForAsync(gateway.DropFolder, 1, TimeSpan.FromSeconds(30), postfix.Describe);
        var eml = Assert.Single(files);

        Assert.Equal("<alice@sender.test>", eml.All("Return-Path").Single());
        Assert.Equal("bob@example.test", eml.All("Delivered-To").Single());
        Assert.Single(eml.All("Received"), r => r.Contains("(Rampart, listener inbound)", StringComparison.Ordinal));
        Assert.Contains(eml.All("Received"), r => r.Contains("(Postfix)", StringComparison.Ordinal));
        // Rampart's field comes first: it is the last hop, right after the delivery headers.
        Assert.Equal(["Return-Path", "Delivered-To", "Received"], eml.Headers.Take(3).Select(h => h.Name));
        Assert.Contains("(Rampart, listener inbound)", eml.Headers[2].Value, StringComparison.Ordinal);
        Assert.Equal(marker, eml.All("Subject").Single());
        Assert.Equal($"<{marker}@e2e.rampart.test>", eml.All("Message-ID").Single());
        Assert.Equal(body, eml.Body);

        await postfix.WaitForLogAsync("status=sent", TimeSpan.FromSeconds(10));
        if (tls == PostfixTls.Encrypt)
        {
            // Postfix's side of the story: it really negotiated TLS with Rampart (unverified: self-signed).
            Assert.Contains("TLS connection established to 127.0.0.1", postfix.MailLog, StringComparison.Ordinal);
        }
        return eml;
    }
}
