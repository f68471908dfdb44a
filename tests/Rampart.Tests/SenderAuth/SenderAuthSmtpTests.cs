using System.Net;
using MimeKit;
using MimeKit.Cryptography;
using Rampart.Queue;
using Rampart.Queue.Quarantine;
using Rampart.Testing;

namespace Rampart.Tests.SenderAuth;

/// <summary>
/// sender_auth: over SMTP: a whole gateway whose dns: is a real unbound serving DKIM keys and DMARC records
/// (<see cref="AuthZones"/>), messages signed and sealed in the test with MimeKit's signers.
/// </summary>
public sealed class SenderAuthSmtpTests(AuthZones zones) : IClassFixture<AuthZones>
{
    private static readonly IPAddress Client = IPAddress.Parse("127.0.0.7");

    private Task<TestGateway> StartAsync(string senderAuth = "{}", string extra = "") =>
        TestGateway.StartAsync(
            inboundExtra: $"sender_auth: {senderAuth}\n{extra}",
            topExtra: $"dns: {{server: 127.0.0.1, port: {zones.Port}, timeout: 500ms}}");

    /// <summary>Sends one message; returns the final reply's first line.</summary>
    private static async Task<string> SendAsync(TestGateway gateway, string text, string mailFrom = "bounce@sender.test", string expected = "250 2.0.0",
        IPAddress? from = null)
    {
        await using var c = await gateway.ConnectAsync(from: from ?? Client);
        await c.HelloAsync();
        await c.EnvelopeAsync(mailFrom, "b@example.test");
        return (await c.DataAsync(text, expected))[0];
    }

    /// <summary>The delivered message's Authentication-Results fields, in order.</summary>
    private static async Task<List<string>> DeliveredResultsAsync(TestGateway gateway)
    {
        var file = Assert.Single(await gateway.WaitForDropAsync(1));
        var message = await MimeMessage.LoadAsync(file);
        return message.Headers.Where(h => h.Field == "Authentication-Results").Select(h => Unfolded(h.Value)).ToList();
    }

    private static string Unfolded(string value) => string.Join(' ', value.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries));

    private static QuarantineHold HeldAs(TestGateway gateway) =>
        Assert.Single(new QuarantineStore(gateway.Gateway.Queue.Root).List()).Envelope.Quarantine!;

    [Fact]
    public async Task A_message_signed_with_rsa_and_ed25519_passes_both_and_DMARC_and_the_field_on_top_says_so()
    {
        await using var gateway = await StartAsync();
        var mail = SignedMail.Message("a@signed.test")
            .Sign(zones.RsaKey, "signed.test", "rsa", DkimSignatureAlgorithm.RsaSha256)
            .Sign(zones.Ed25519Key, "signed.test", "ed", DkimSignatureAlgorithm.Ed25519Sha256);

        await SendAsync(gateway, mail.Text());

        var results = Assert.Single(await DeliveredResultsAsync(gateway));
        Assert.StartsWith("mx.rampart.test;", results);
        Assert.Contains("dkim=pass header.d=signed.test header.s=rsa header.a=rsa-sha256", results);
        Assert.Contains("dkim=pass header.d=signed.test header.s=ed header.a=ed25519-sha256", results);
        Assert.Contains("dmarc=pass reason=\"DKIM aligned (d=signed.test)\" header.from=signed.test", results);
        Assert.Contains("arc=none", results);
        // On top: above our Received field (only the drop route's delivery fields come before it).
        var lines = File.ReadLines(Assert.Single(await gateway.WaitForDropAsync(1))).ToList();
        Assert.True(lines.FindIndex(l => l.StartsWith("Authentication-Results: mx.rampart.test", StringComparison.Ordinal))
            < lines.FindIndex(l => l.StartsWith("Received:", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_body_changed_after_signing_fails_DKIM()
    {
        await using var gateway = await StartAsync();
        var text = SignedMail.Message("a@none.test", "pay 10 euros\r\n").Sign(zones.RsaKey, "none.test", "rsa", DkimSignatureAlgorithm.RsaSha256).Text();

        await SendAsync(gateway, text.Replace("pay 10 euros", "pay 99 euros", StringComparison.Ordinal));

        var results = Assert.Single(await DeliveredResultsAsync(gateway));
        Assert.Contains("dkim=fail reason=\"signature or body hash does not verify\" header.d=none.test", results);
        Assert.Contains("dmarc=fail", results);
    }

    [Fact]
    public async Task DMARC_p_reject_refuses_an_unauthenticated_message_with_5_7_1_naming_DMARC_the_domain_and_the_session()
    {
        await using var gateway = await StartAsync();

        var reply = await SendAsync(gateway, SignedMail.Message("a@reject.test").Text(), expected: "550 5.7.1 ");

        Assert.Matches(@"^550 5\.7\.1 Rejected by the DMARC policy of reject\.test: .*; id \S+$", reply);
        Assert.True(gateway.QueueIsEmpty);
        Assert.Equal(0, gateway.DropCount());
    }

    [Fact]
    public async Task DMARC_p_reject_set_to_quarantine_holds_the_message_with_reason_dmarc()
    {
        await using var gateway = await StartAsync("{dmarc_reject: quarantine}");

        await SendAsync(gateway, SignedMail.Message("a@reject.test").Text());

        var hold = HeldAs(gateway);
        Assert.Equal("dmarc: reject.test fails DMARC, p=reject", hold.Reason);
        Assert.Equal(["dmarc"], hold.Filters);
    }

    [Fact]
    public async Task DMARC_p_quarantine_holds_the_message_and_dmarc_quarantine_accept_only_records_it()
    {
        await using (var gateway = await StartAsync())
        {
            await SendAsync(gateway, SignedMail.Message("a@quarantine.test").Text());
            Assert.Equal("dmarc: quarantine.test fails DMARC, p=quarantine", HeldAs(gateway).Reason);
        }

        await using (var gateway = await StartAsync("{dmarc_quarantine: accept}"))
        {
            await SendAsync(gateway, SignedMail.Message("a@quarantine.test").Text());
            Assert.Contains("dmarc=fail", Assert.Single(await DeliveredResultsAsync(gateway)));
        }
    }

    [Fact]
    public async Task DMARC_p_none_delivers_a_failing_message_with_the_failure_recorded()
    {
        await using var gateway = await StartAsync();

        await SendAsync(gateway, SignedMail.Message("a@none.test").Text());

        Assert.Contains("dmarc=fail reason=\"no aligned DKIM or SPF pass; p=none\" header.from=none.test", Assert.Single(await DeliveredResultsAsync(gateway)));
    }

    [Fact]
    public async Task With_pct_0_a_p_reject_failure_is_not_sampled_and_quarantined_instead()
    {
        await using var gateway = await StartAsync();

        await SendAsync(gateway, SignedMail.Message("a@pct.test").Text());

        Assert.Equal("dmarc: pct.test fails DMARC, p=reject", HeldAs(gateway).Reason);
    }

    [Fact]
    public async Task The_sp_of_the_organisational_record_applies_to_its_subdomains_and_p_to_the_domain_itself()
    {
        await using var gateway = await StartAsync();

        await SendAsync(gateway, SignedMail.Message("a@mail.org.test").Text(), expected: "550 5.7.1 Rejected by the DMARC policy of mail.org.test");
        await SendAsync(gateway, SignedMail.Message("a@org.test").Text());

        Assert.Contains("p=none", Assert.Single(await DeliveredResultsAsync(gateway)));
    }

    [Fact]
    public async Task Relaxed_alignment_takes_a_signature_of_the_parent_domain_and_strict_does_not()
    {
        await using var gateway = await StartAsync();

        var relaxed = SignedMail.Message("a@mail.relaxed.test").Sign(zones.RsaKey, "relaxed.test", "rsa", DkimSignatureAlgorithm.RsaSha256);
        await SendAsync(gateway, relaxed.Text());
        Assert.Contains("dmarc=pass", Assert.Single(await DeliveredResultsAsync(gateway)));

        var strict = SignedMail.Message("a@mail.strict.test").Sign(zones.RsaKey, "strict.test", "rsa", DkimSignatureAlgorithm.RsaSha256);
        await SendAsync(gateway, strict.Text(), expected: "550 5.7.1 Rejected by the DMARC policy of mail.strict.test");
    }

    [Fact]
    public async Task An_SPF_pass_aligned_with_the_From_domain_passes_DMARC_and_is_in_the_field()
    {
        await using var gateway = await StartAsync(extra: "spf: {}");

        await SendAsync(gateway, SignedMail.Message("a@spfok.test").Text(), mailFrom: "a@spfok.test", from: IPAddress.Parse("127.0.0.5"));
        var results = Assert.Single(await DeliveredResultsAsync(gateway));

        Assert.Contains("spf=pass smtp.mailfrom=a@spfok.test", results);
        Assert.Contains("dmarc=pass reason=\"SPF aligned (spfok.test)\"", results);
        Assert.Contains("dkim=none", results);
    }

    /// <summary>
    /// A mailing list: the author's signature, then a footer that breaks it, then the list's ARC set recording what
    /// it found when the message reached it (by default: the author's DKIM and DMARC passed).
    /// </summary>
    private string Forwarded(string forwarder, string recordedResult = "pass")
    {
        var mail = SignedMail.Message("a@signed.test").Sign(zones.RsaKey, "signed.test", "rsa", DkimSignatureAlgorithm.RsaSha256);
        var text = mail.Text() + "-- \r\nthe list footer\r\n";
        var changed = MimeMessage.Load(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(text)));
        var recorded = new AuthenticationResults(forwarder)
        {
            Results =
            {
                new AuthenticationMethodResult("dkim", recordedResult) { Properties = { new AuthenticationMethodProperty("header", "d", "signed.test") } },
                new AuthenticationMethodResult("dmarc", recordedResult) { Properties = { new AuthenticationMethodProperty("header", "from", "signed.test") } },
            },
        };
        return changed.Seal(zones.RsaKey, forwarder, recorded).Text();
    }

    [Fact]
    public async Task A_trusted_forwarders_seal_does_not_help_when_it_recorded_a_failure_or_the_message_changed_after_sealing()
    {
        await using var gateway = await StartAsync("{trusted_forwarders: [fwd.test]}");

        await SendAsync(gateway, Forwarded("fwd.test", recordedResult: "fail"), mailFrom: "list@fwd.test",
            expected: "550 5.7.1 Rejected by the DMARC policy of signed.test");
        var tampered = Forwarded("fwd.test").Replace("the list footer", "the list f00ter", StringComparison.Ordinal);
        await SendAsync(gateway, tampered, mailFrom: "list@fwd.test", expected: "550 5.7.1 Rejected by the DMARC policy of signed.test");
    }

    [Fact]
    public async Task A_forward_sealed_by_a_trusted_forwarder_is_judged_by_its_seal_and_by_an_untrusted_one_is_not()
    {

        await using (var gateway = await StartAsync("{trusted_forwarders: [fwd.test]}"))
        {
            await SendAsync(gateway, Forwarded("untrusted.test"), mailFrom: "list@untrusted.test",
                expected: "550 5.7.1 Rejected by the DMARC policy of signed.test");

            await SendAsync(gateway, Forwarded("fwd.test"), mailFrom: "list@fwd.test");
            var results = Assert.Single(await DeliveredResultsAsync(gateway));
            Assert.Contains("dkim=fail", results);
            Assert.Contains("dmarc=fail reason=\"no aligned DKIM or SPF pass; p=reject; ARC sealed by trusted forwarder fwd.test\"", results);
            Assert.Contains("arc=pass reason=\"sealed by fwd.test\" smtp.remote-ip=127.0.0.7", results);
        }

        // Without the forwarder in the list, its valid seal is only recorded.
        await using (var gateway = await StartAsync())
        {
            await SendAsync(gateway, Forwarded("fwd.test"), mailFrom: "list@fwd.test", expected: "550 5.7.1 Rejected by the DMARC policy of signed.test");
        }
    }

    [Fact]
    public async Task Incoming_fields_claiming_our_authserv_id_are_removed_however_written_and_others_kept()
    {
        await using var gateway = await StartAsync();
        const string forged = """
            Authentication-Results: mx.rampart.test; dkim=pass header.d=bank.test
            authentication-results : (our id, honest) MX.Rampart.Test.; dmarc=pass header.from=bank.test
            Authentication-Results:
             mx.rampart.test; spf=pass smtp.mailfrom=bank.test
            Authentication-Results: ｍｘ.rampart.test; dkim=pass header.d=bank.test
            Authentication-Results: mx.other.test; spf=pass smtp.mailfrom=sender.test

            """;

        await SendAsync(gateway, SignedMail.Message("a@none.test", extraHeaders: forged.ReplaceLineEndings("\r\n").TrimEnd() + "\r\n").Text());

        var results = await DeliveredResultsAsync(gateway);
        Assert.True(results.Count == 2, string.Join("\n", results));
        Assert.StartsWith("mx.rampart.test; dkim=none; dmarc=fail", results[0]);
        Assert.Equal("mx.other.test; spf=pass smtp.mailfrom=sender.test", results[1].Trim());
    }

    [Fact]
    public async Task Outbound_listeners_have_no_check_unless_asked()
    {
        await using var gateway = await TestGateway.StartAsync(
            outboundExtra: "sender_auth: {}", topExtra: $"dns: {{server: 127.0.0.1, port: {zones.Port}, timeout: 500ms}}");

        await using var c = await gateway.ConnectAsync("outbound", from: Client);
        await c.HelloAsync();
        await c.EnvelopeAsync("a@reject.test", "x@elsewhere.test");
        await c.DataAsync(SignedMail.Message("a@reject.test").Text());
    }

    [Fact]
    public async Task DNS_failures_and_timeouts_are_temperrors_the_message_goes_on_and_nothing_is_lost()
    {
        await using var gateway = await StartAsync();

        // servfail.test: SERVFAIL at once; timeout.test: no answer within the 500 ms of dns:.
        await SendAsync(gateway, SignedMail.Message("a@servfail.test").Sign(zones.RsaKey, "servfail.test", "rsa", DkimSignatureAlgorithm.RsaSha256).Text());
        await SendAsync(gateway, SignedMail.Message("a@timeout.test").Sign(zones.Ed25519Key, "timeout.test", "ed", DkimSignatureAlgorithm.Ed25519Sha256).Text());

        var files = await gateway.WaitForDropAsync(2);
        var fields = files.Select(f => Unfolded(MimeMessage.Load(f).Headers["Authentication-Results"] ?? "")).ToList();
        Assert.All(fields, f => Assert.Contains("dkim=temperror", f));
        Assert.All(fields, f => Assert.Contains("dmarc=temperror", f));
    }

    [Fact]
    public async Task Parallel_sessions_each_get_their_own_verdict_and_field()
    {
        await using var gateway = await StartAsync();
        var signed = Enumerable.Range(0, 8).Select(_ => SignedMail.Message("a@signed.test")
            .Sign(zones.Ed25519Key, "signed.test", "ed", DkimSignatureAlgorithm.Ed25519Sha256).Text()).ToList();

        await Task.WhenAll(Enumerable.Range(0, 16).Select(i => i % 2 == 0
            ? SendAsync(gateway, signed[i / 2])
            : SendAsync(gateway, SignedMail.Message("a@reject.test").Text(), expected: "550 5.7.1 Rejected by the DMARC policy of reject.test")));

        var files = await gateway.WaitForDropAsync(8);
        await gateway.WaitForEmptyQueueAsync();
        Assert.Equal(8, gateway.DropCount());
        Assert.All(files, f => Assert.Contains("dkim=pass header.d=signed.test header.s=ed", Unfolded(MimeMessage.Load(f).Headers["Authentication-Results"] ?? "")));
    }
}
