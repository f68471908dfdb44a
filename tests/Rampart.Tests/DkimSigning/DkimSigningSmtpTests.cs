using System.Text;
using Rampart.Testing;
using Xunit;

namespace Rampart.Tests.DkimSigning;

/// <summary>
/// Outbound mail through the whole gateway over SMTP, signed and delivered (drop folder), then verified by MimeKit
/// and by Rspamd against the keys the test DNS server publishes.
/// </summary>
public sealed class DkimSigningSmtpTests(DkimWorld world) : IClassFixture<DkimWorld>
{
    private const string Plain = "From: Alice <alice@signed.test>\r\nTo: bob@remote.test\r\nSubject: hello\r\nDate: Sat, 05 Dec 2026 05:00:00 +0000\r\n"
        + "Message-ID: <1@signed.test>\r\n\r\nHello Bob.\r\n";

    private async Task<byte[]> SendAsync(string yaml, string content, string from = "alice@signed.test")
    {
        await using var gateway = await TestGateway.StartAsync(topExtra: yaml);
        await using (var smtp = await gateway.ConnectAsync("outbound"))
        {
            await smtp.HelloAsync();
            await smtp.EnvelopeAsync(from, "bob@remote.test");
            await smtp.DataAsync(content);
        }
        var files = await gateway.WaitForDropAsync(1, "outgoing");
        return await File.ReadAllBytesAsync(files[0]);
    }

    private static int Signatures(byte[] content) =>
        Encoding.Latin1.GetString(content).Split("\r\n\r\n")[0].Split("\r\n").Count(l => l.StartsWith("DKIM-Signature:", StringComparison.OrdinalIgnoreCase));

    [Fact]
    public async Task An_rsa_signature_verifies_with_MimeKit_and_Rspamd_and_names_the_domain_selector_and_oversigned_fields()
    {
        var sent = await SendAsync(world.Yaml(("rsa", true)), Plain);

        Assert.Equal([("rsa", true)], await world.MimeKitVerifyAsync(sent));
        Assert.Contains("R_DKIM_ALLOW", await world.RspamdSymbolsAsync(sent));
        var text = Encoding.ASCII.GetString(sent);
        var signature = string.Concat(text[text.IndexOf("DKIM-Signature:", StringComparison.Ordinal)..].Split("\r\n")
            .TakeWhile((l, i) => i == 0 || l.StartsWith('\t') || l.StartsWith(' ')));
        Assert.Contains("a=rsa-sha256", signature, StringComparison.Ordinal);
        Assert.Contains("d=signed.test", signature, StringComparison.Ordinal);
        Assert.Contains("c=relaxed/relaxed", signature, StringComparison.Ordinal);
        Assert.DoesNotContain("l=", signature.Replace("bl=", "", StringComparison.Ordinal), StringComparison.Ordinal);
        // From was there once and is named twice: a second From added on the way breaks the signature.
        var h = signature[(signature.IndexOf("h=", StringComparison.Ordinal) + 2)..].Split(';')[0].Replace(" ", "", StringComparison.Ordinal).Replace("\t", "", StringComparison.Ordinal);
        Assert.Equal(2, h.Split(':').Count(n => n.Equals("From", StringComparison.OrdinalIgnoreCase)));
        Assert.DoesNotContain(h.Split(':'), n => n.Equals("Received", StringComparison.OrdinalIgnoreCase));
        // Our Received field is below the signature, unsigned (the drop folder adds Return-Path and Delivered-To above).
        Assert.True(text.IndexOf("DKIM-Signature:", StringComparison.Ordinal) < text.IndexOf("Received:", StringComparison.Ordinal), text);
    }

    [Fact]
    public async Task An_rsa_and_an_ed25519_selector_that_both_sign_give_two_signatures_that_both_verify()
    {
        var sent = await SendAsync(world.Yaml(("rsa", true), ("ed", true)), Plain);

        var results = await world.MimeKitVerifyAsync(sent);
        Assert.Equal(2, results.Count);
        Assert.All(results, r => Assert.True(r.Valid, $"selector {r.Selector}"));
        Assert.Contains("a=ed25519-sha256", Encoding.ASCII.GetString(sent), StringComparison.Ordinal);
        Assert.Contains("R_DKIM_ALLOW", await world.RspamdSymbolsAsync(sent));
    }

    [Fact]
    public async Task During_a_rotation_only_the_signing_selector_signs()
    {
        var sent = await SendAsync(world.Yaml(("rsa", false), ("next", true)), Plain);

        Assert.Equal([("next", true)], await world.MimeKitVerifyAsync(sent));
    }

    [Fact]
    public async Task A_reload_reads_the_keys_again_and_the_next_messages_are_signed_with_the_new_selector()
    {
        await using var gateway = await TestGateway.StartAsync(topExtra: world.Yaml(("rsa", true), ("next", false)));
        async Task<byte[]> SendOneAsync()
        {
            await using (var smtp = await gateway.ConnectAsync("outbound"))
            {
                await smtp.HelloAsync();
                await smtp.EnvelopeAsync("alice@signed.test", "bob@remote.test");
                await smtp.DataAsync(Plain);
            }
            return await File.ReadAllBytesAsync((await gateway.WaitForDropAsync(1, "outgoing"))[0]);
        }
        Assert.Equal([("rsa", true)], await world.MimeKitVerifyAsync(await SendOneAsync()));
        var yaml = await File.ReadAllTextAsync(gateway.ConfigPath);
        await File.WriteAllTextAsync(gateway.ConfigPath, yaml.Replace("sign: true", "sign: maybe", StringComparison.Ordinal)
            .Replace("sign: false", "sign: true", StringComparison.Ordinal).Replace("sign: maybe", "sign: false", StringComparison.Ordinal));

        Assert.Empty(await gateway.Gateway.ReloadAsync(Rampart.Configuration.ConfigLoader.Load(gateway.ConfigPath, [])));
        await gateway.WaitForEmptyQueueAsync();
        // The first message's file goes, so the next one is the only one there.
        foreach (var old in Directory.GetFiles(Path.Combine(gateway.DataDir, "outgoing"))) File.Delete(old);

        Assert.Equal([("next", true)], await world.MimeKitVerifyAsync(await SendOneAsync()));
    }

    [Fact]
    public async Task A_body_changed_after_signing_fails_both_verifiers()
    {
        var sent = await SendAsync(world.Yaml(("rsa", true)), Plain);
        var changed = Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(sent).Replace("Hello Bob.", "Hello Eve.", StringComparison.Ordinal));

        Assert.Equal([("rsa", false)], await world.MimeKitVerifyAsync(changed));
        Assert.Contains("R_DKIM_REJECT", await world.RspamdSymbolsAsync(changed));
    }

    [Fact]
    public async Task A_multipart_alternative_message_is_signed_and_verifies()
    {
        var content = "From: alice@signed.test\r\nTo: bob@remote.test\r\nSubject: both\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/alternative; boundary=\"b1\"\r\n\r\npreamble\r\n--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nplain text\r\n"
            + "--b1\r\nContent-Type: text/html; charset=us-ascii\r\n\r\n<p>html text</p>\r\n--b1--\r\nepilogue\r\n";
        var sent = await SendAsync(world.Yaml(("rsa", true)), content);

        Assert.Equal([("rsa", true)], await world.MimeKitVerifyAsync(sent));
        Assert.Contains("R_DKIM_ALLOW", await world.RspamdSymbolsAsync(sent));
    }

    [Fact]
    public async Task Eight_bit_content_is_made_7bit_before_signing_so_no_downgrade_can_break_it()
    {
        var content = "From: alice@signed.test\r\nTo: bob@remote.test\r\nSubject: caf\u00e9\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nun caf\u00e9 cr\u00e8me\r\n";
        var sent = await SendAsync(world.Yaml(("rsa", true)), content);

        Assert.DoesNotContain(sent, b => b >= 0x80);
        Assert.Equal([("rsa", true)], await world.MimeKitVerifyAsync(sent));
        Assert.Contains("R_DKIM_ALLOW", await world.RspamdSymbolsAsync(sent));
        var message = await MimeKit.MimeMessage.LoadAsync(new MemoryStream(sent));
        Assert.Equal("caf\u00e9", message.Subject);
        Assert.Contains("un caf\u00e9 cr\u00e8me", message.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Eight_bit_mail_signed_and_relayed_over_SMTP_to_a_peer_without_8BITMIME_still_verifies()
    {
        await using var sink = await Rampart.Testing.Processes.SmtpSink.StartAsync("-8");
        var yaml = TestGateway.PlainYaml.Replace("outgoing: {transport: drop, path: outgoing}",
            $"outgoing: {{transport: smtp, hosts: [\"127.0.0.1:{sink.Port}\"]}}", StringComparison.Ordinal);
        await using var gateway = await TestGateway.StartYamlAsync(yaml + "\n" + world.Yaml(("rsa", true), ("ed", true)));
        await using (var smtp = await gateway.ConnectAsync("outbound"))
        {
            await smtp.HelloAsync();
            await smtp.CommandAsync("MAIL FROM:<alice@signed.test> BODY=8BITMIME", "250 ");
            await smtp.CommandAsync("RCPT TO:<bob@remote.test>", "250 ");
            await smtp.DataAsync("From: alice@signed.test\r\nTo: bob@remote.test\r\nSubject: Gr\u00fc\u00dfe\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGr\u00fc\u00dfe aus K\u00f6ln\r\n");
        }

        var dump = Assert.Single(await sink.WaitForDumpsAsync(timeout: TimeSpan.FromSeconds(30)));
        // smtp-sink writes its own lines, then the content with LF line ends.
        var delivered = Encoding.UTF8.GetBytes(dump[dump.IndexOf("DKIM-Signature:", StringComparison.Ordinal)..].Replace("\n", "\r\n", StringComparison.Ordinal));
        Assert.DoesNotContain(delivered, b => b >= 0x80);
        var results = await world.MimeKitVerifyAsync(delivered);
        Assert.Equal(2, results.Count);
        Assert.All(results, r => Assert.True(r.Valid, r.Selector));
        Assert.Contains("R_DKIM_ALLOW", await world.RspamdSymbolsAsync(delivered));
    }

    [Theory]
    [InlineData("From: carol@other.test\r\n", "carol@other.test")] // a domain without a key
    [InlineData("", "alice@signed.test")] // no From: RFC 6376 §5.4 requires it signed
    [InlineData("From: alice@signed.test\r\nFrom: mallory@signed.test\r\n", "alice@signed.test")] // two From fields
    [InlineData("From: alice@sign\u0435d.test\r\n", "alice@signed.test")] // Cyrillic e: its own xn-- domain, no key
    [InlineData("From: a@other.test, b@third.test\r\n", "alice@signed.test")] // two authors, neither in the envelope's domain
    public async Task A_message_without_one_author_in_a_keyed_domain_is_delivered_unsigned(string from, string envelope)
    {
        var sent = await SendAsync(world.Yaml(("rsa", true)), from + "To: bob@remote.test\r\nSubject: x\r\n\r\nbody\r\n", envelope);

        Assert.Equal(0, Signatures(sent));
    }

    [Theory]
    [InlineData("From: Alice <ALICE@SIGNED.TEST>\r\n")] // upper case
    [InlineData("From: =?utf-8?q?Al=C3=AFce?=\r\n <alice@signed.test>\r\n")] // encoded and folded
    [InlineData("From: a@other.test, alice@signed.test\r\n")] // two authors, one in the envelope sender's domain
    public async Task A_from_the_domain_owns_however_written_is_signed(string from)
    {
        var sent = await SendAsync(world.Yaml(("rsa", true)), from + "To: bob@remote.test\r\nSubject: x\r\n\r\nbody\r\n");

        Assert.Equal([("rsa", true)], await world.MimeKitVerifyAsync(sent));
    }

    [Fact]
    public async Task A_header_section_near_the_limit_is_signed_and_verifies()
    {
        var filler = string.Concat(Enumerable.Range(0, 300).Select(i => $"X-Filler-{i}: {new string('x', 200)}\r\n"));
        var sent = await SendAsync(world.Yaml(("rsa", true)), "From: alice@signed.test\r\nTo: bob@remote.test\r\n" + filler + "Subject: big\r\n\r\nbody\r\n");

        Assert.Equal([("rsa", true)], await world.MimeKitVerifyAsync(sent));
    }

    private static string[] HeaderLines(byte[] content) => Encoding.Latin1.GetString(content).Split("\r\n\r\n")[0].Split("\r\n");

    [Theory]
    [InlineData("")]
    [InlineData("header_hygiene:\n  outbound: {hide_client_address: true}\n")] // a rewrite of our Received after the parse
    public async Task Eight_bit_mail_parsed_first_by_sender_auth_keeps_our_Received_and_results_once_and_verifies(string hygiene)
    {
        // sender_auth (check_outbound) parses first, then puts Authentication-Results on top; the signer converts to
        // 7-bit from the shared parse and must copy exactly the fields above it (review D1).
        await using var gateway = await TestGateway.StartAsync(outboundExtra: "sender_auth: {check_outbound: true}",
            topExtra: world.Yaml(("rsa", true)) + hygiene);
        await using (var smtp = await gateway.ConnectAsync("outbound"))
        {
            await smtp.HelloAsync();
            await smtp.CommandAsync("MAIL FROM:<alice@signed.test> BODY=8BITMIME", "250 ");
            await smtp.CommandAsync("RCPT TO:<bob@remote.test>", "250 ");
            await smtp.DataAsync("From: alice@signed.test\r\nTo: bob@remote.test\r\nSubject: Gr\u00fc\u00dfe\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGr\u00fc\u00dfe aus K\u00f6ln\r\n");
        }
        var sent = await File.ReadAllBytesAsync((await gateway.WaitForDropAsync(1, "outgoing"))[0]);

        var lines = HeaderLines(sent);
        Assert.Single(lines, l => l.StartsWith("Received: from ", StringComparison.Ordinal));
        Assert.Single(lines, l => l.StartsWith("Authentication-Results: mx.rampart.test", StringComparison.Ordinal));
        if (hygiene.Length > 0) Assert.DoesNotContain(lines, l => l.Contains("[127.0.0.1]:", StringComparison.Ordinal));
        Assert.DoesNotContain(sent, b => b >= 0x80);
        Assert.Equal([("rsa", true)], await world.MimeKitVerifyAsync(sent));
        Assert.Contains("R_DKIM_ALLOW", await world.RspamdSymbolsAsync(sent));
        Assert.Equal("Gr\u00fc\u00dfe", (await MimeKit.MimeMessage.LoadAsync(new MemoryStream(sent))).Subject);
    }

    [Fact]
    public async Task Inbound_mail_with_a_from_in_a_keyed_domain_is_never_signed()
    {
        await using var gateway = await TestGateway.StartAsync(topExtra: world.Yaml(("rsa", true)));
        await using (var smtp = await gateway.ConnectAsync("inbound"))
        {
            await smtp.HelloAsync();
            await smtp.EnvelopeAsync("alice@signed.test", "carol@example.test");
            await smtp.DataAsync("From: alice@signed.test\r\nTo: carol@example.test\r\nSubject: spoofed\r\n\r\nbody\r\n");
        }
        var received = await File.ReadAllBytesAsync((await gateway.WaitForDropAsync(1, "drop"))[0]);

        Assert.Equal(0, Signatures(received));
    }

    [Fact]
    public async Task A_message_already_carrying_a_signature_with_our_domain_and_selector_is_signed_again()
    {
        // Forged (or stale): it must not keep ours off (review D7).
        var forged = "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=signed.test; s=rsa; t=1700000000;\r\n\th=from:subject; bh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=; b=AAAA\r\n";
        var sent = await SendAsync(world.Yaml(("rsa", true)), forged + Plain);

        Assert.Equal(2, Signatures(sent));
        Assert.Contains("R_DKIM_ALLOW", await world.RspamdSymbolsAsync(sent));
        var ours = Encoding.ASCII.GetString(sent);
        Assert.True(ours.IndexOf("DKIM-Signature:", StringComparison.Ordinal) < ours.IndexOf("t=1700000000", StringComparison.Ordinal));
    }
}
