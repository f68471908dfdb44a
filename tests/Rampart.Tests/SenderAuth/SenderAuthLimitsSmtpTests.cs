using System.Net;
using MimeKit.Cryptography;
using Rampart.Testing;

namespace Rampart.Tests.SenderAuth;

/// <summary>
/// sender_auth over SMTP against the header-section limit: its own Authentication-Results field (and our Received
/// field under it) never counts against limits.max_header_size in later filters, and a body part past that limit is
/// not parsed but gets no way around DMARC.
/// </summary>
public sealed class SenderAuthLimitsSmtpTests(AuthZones zones) : IClassFixture<AuthZones>
{
    private const int Limit = 4096;

    private Task<TestGateway> StartAsync(string extra) =>
        TestGateway.StartAsync(
            inboundExtra: $"sender_auth: {{}}\nlimits: {{max_header_size: 4KiB}}\n{extra}",
            topExtra: $"dns: {{server: 127.0.0.1, port: {zones.Port}, timeout: 500ms}}");

    /// <summary>A message signed by none.test (p=none) whose header section, blank line included, is the limit less <paramref name="under"/> bytes.</summary>
    private string NearLimit(string body, int under = 40)
    {
        var text = SignedMail.Message("a@none.test", body, extraHeaders: "X-Pad: \r\n")
            .Sign(zones.RsaKey, "none.test", "rsa", DkimSignatureAlgorithm.RsaSha256).Text();
        var header = text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4;
        var pad = Limit - under - header;
        Assert.True(pad > 0);
        return text.Replace("X-Pad: \r\n", "X-Pad: " + new string('p', pad) + "\r\n", StringComparison.Ordinal);
    }

    private static async Task<string> SendAsync(TestGateway gateway, string text, string expected)
    {
        await using var c = await gateway.ConnectAsync(from: IPAddress.Parse("127.0.0.7"));
        await c.HelloAsync();
        await c.EnvelopeAsync("bounce@sender.test", "b@example.test");
        return (await c.DataAsync(text, expected))[^1];
    }

    [Fact]
    public async Task A_client_header_just_under_the_limit_is_not_refused_by_attachments_for_our_own_fields()
    {
        await using var gateway = await StartAsync("attachments: {block: [executable]}");

        await SendAsync(gateway, NearLimit("hello\r\n"), "250 2.0.0");

        var delivered = File.ReadAllText(Assert.Single(await gateway.WaitForDropAsync(1)));
        Assert.Contains("dkim=pass header.d=none.test", delivered, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_header_just_under_the_limit_is_still_read_by_the_built_in_rules_so_GTUBE_is_refused()
    {
        await using var gateway = await StartAsync("spam: {url: off}");

        var reply = await SendAsync(gateway, NearLimit(Policy.Scoring.ContentRules.Gtube + "\r\n"), "550 5.7.1");

        Assert.Matches(@"^550 5\.7\.1 Rejected as spam \(score \d+\.\d, SCL 9\) by GTUBE", reply);
    }

    [Fact]
    public async Task A_signed_message_with_a_body_part_past_the_limit_counts_no_signature_and_DMARC_p_reject_refuses_it()
    {
        await using var gateway = await StartAsync("");
        var flood = string.Concat(Enumerable.Range(0, 2000).Select(i => $"X-{i}: y\r\n"));
        var text = SignedMail.Message("a@reject.test", $"--b\r\n{flood}Content-Type: text/plain\r\n\r\nhello\r\n--b--\r\n",
                extraHeaders: "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n")
            .Sign(zones.RsaKey, "reject.test", "rsa", DkimSignatureAlgorithm.RsaSha256).Text();

        var reply = await SendAsync(gateway, text, "550 5.7.1");

        Assert.Matches(@"^550 5\.7\.1 Rejected by the DMARC policy of reject\.test: .*; id \S+$", reply);
    }
}
