using System.Text;
using Rampart.Testing;
using Rampart.Tests.DkimSigning;
using Xunit;

namespace Rampart.Tests.HeaderHygiene;

/// <summary>Header hygiene over SMTP: forged verdict fields from outside, internal trace and missing fields on the way out.</summary>
public sealed class HeaderHygieneSmtpTests(DkimWorld world) : IClassFixture<DkimWorld>
{
    private static async Task<string> SendAsync(TestGateway gateway, string listener, string from, string to, string content, string folder)
    {
        await using (var smtp = await gateway.ConnectAsync(listener))
        {
            await smtp.HelloAsync("internal.corp.test");
            await smtp.EnvelopeAsync(from, to);
            await smtp.DataAsync(content);
        }
        var files = await gateway.WaitForDropAsync(1, folder);
        return await File.ReadAllTextAsync(files[0], Encoding.Latin1);
    }

    private static string Header(string message) => message[..message.IndexOf("\r\n\r\n", StringComparison.Ordinal)];

    [Fact]
    public async Task Forged_verdict_fields_from_outside_are_removed_and_the_real_spam_tag_survives()
    {
        await using var gateway = await TestGateway.StartAsync(inboundExtra: "spam: {url: off, tag_score: -100}");
        var received = await SendAsync(gateway, "inbound", "eve@remote.test", "carol@example.test",
            "From: eve@remote.test\r\nTo: carol@example.test\r\nX-Spam-Status: No, score=-100 (forged)\r\nx-spam-flag:  NO\r\n"
            + "X-Rampart-Verdict: clean\r\n\tfolded on\r\nSubject: hi\r\n\r\nX-Spam-Status: in the body stays\r\n", "drop");

        var header = Header(received);
        Assert.DoesNotContain("forged", header, StringComparison.Ordinal);
        Assert.DoesNotContain("x-spam-flag:  NO", header, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("X-Rampart-Verdict", header, StringComparison.Ordinal);
        Assert.DoesNotContain("folded on", header, StringComparison.Ordinal);
        Assert.Contains("X-Spam-Status: Yes", header, StringComparison.Ordinal); // ours, from the spam filter after the hygiene row
        Assert.Contains("Subject: ", header, StringComparison.Ordinal);
        Assert.Contains("X-Spam-Status: in the body stays", received, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Outbound_internal_received_fields_and_the_client_address_go_and_message_id_and_date_are_added_and_signed()
    {
        var yaml = world.Yaml(("rsa", true)) + "header_hygiene:\n  outbound: {remove_internal_received: true, hide_client_address: true, add_message_id: true, add_date: true}\n";
        await using var gateway = await TestGateway.StartAsync(topExtra: yaml);
        var sent = await SendAsync(gateway, "outbound", "alice@signed.test", "bob@remote.test",
            "Received: from pc17.corp.test (pc17.corp.test [10.1.2.3])\r\n\tby exch01.corp.test with ESMTP; Sat, 5 Dec 2026 05:00:00 +0000\r\n"
            + "Received: by pc17.corp.test (Postfix, from userid 1000); Sat, 5 Dec 2026 04:59:59 +0000\r\n"
            + "Received: from mx.partner.example (mx.partner.example [198.51.100.7])\r\n\tby exch01.corp.test; Sat, 5 Dec 2026 04:59:00 +0000\r\n"
            + "From: alice@signed.test\r\nTo: bob@remote.test\r\nSubject: out\r\n\r\nbody\r\n", "outgoing");

        var header = Header(sent);
        Assert.DoesNotContain("10.1.2.3", header, StringComparison.Ordinal);
        Assert.DoesNotContain("from userid", header, StringComparison.Ordinal);
        Assert.Contains("198.51.100.7", header, StringComparison.Ordinal); // a hop from outside, and all older ones, stay
        Assert.DoesNotContain("127.0.0.1", header, StringComparison.Ordinal); // our Received without the client's address
        Assert.Contains("Received: from internal.corp.test\r\n", header, StringComparison.Ordinal);
        Assert.Matches(@"Message-ID: <[0-9a-f]{32}@mx\.rampart\.test>", header);
        Assert.Contains("\r\nDate: ", header, StringComparison.Ordinal);
        var bytes = Encoding.Latin1.GetBytes(sent);
        Assert.Equal([("rsa", true)], await world.MimeKitVerifyAsync(bytes));
        var unfolded = System.Text.RegularExpressions.Regex.Replace(header, @"\r\n[ \t]+", " ");
        var signed = System.Text.RegularExpressions.Regex.Match(unfolded, @"DKIM-Signature:.*?[; ]h=([^;]*)").Groups[1].Value;
        Assert.Contains("message-id", signed.ToLowerInvariant(), StringComparison.Ordinal);
        Assert.Contains("date", signed.ToLowerInvariant(), StringComparison.Ordinal);

        // The tracking log shows what was removed, added and signed.
        await gateway.WaitForEmptyQueueAsync();
        await gateway.Gateway.TrackingWriter!.FlushAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        var filters = (await gateway.Gateway.Tracking!.SearchAsync(new Rampart.Tracking.TrackingQuery { Recipient = "bob@remote.test" }, default))
            .Where(e => e.Kind == Rampart.Tracking.TrackingEventKind.Filter).Select(e => $"{e.Stage}: {e.Detail}").ToList();
        Assert.Contains(filters, f => f.StartsWith("header_hygiene: removed 2 field(s): Received, Received, client address", StringComparison.Ordinal));
        Assert.Contains(filters, f => f.StartsWith("header_hygiene: added Message-ID: <", StringComparison.Ordinal) && f.Contains("Date: ", StringComparison.Ordinal));
        Assert.Contains("dkim_signing: signed for signed.test with selector rsa (rsa-sha256)", filters);
    }

    [Fact]
    public async Task Outbound_hygiene_is_off_unless_asked_and_a_message_with_its_own_ids_is_left_alone()
    {
        await using var gateway = await TestGateway.StartAsync(topExtra: "header_hygiene:\n  outbound: {add_message_id: true, add_date: true}\n");
        var content = "Received: from pc17.corp.test ([10.1.2.3])\r\n\tby exch01.corp.test; Sat, 5 Dec 2026 05:00:00 +0000\r\n"
            + "From: alice@signed.test\r\nDate: Sat, 05 Dec 2026 05:00:00 +0000\r\nMessage-ID: <own@corp.test>\r\nSubject: out\r\n\r\nbody\r\n";
        var sent = await SendAsync(gateway, "outbound", "alice@signed.test", "bob@remote.test", content, "outgoing");

        Assert.Contains(content, sent, StringComparison.Ordinal);
        Assert.Contains("[127.0.0.1]", Header(sent), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rewrite_that_removes_as_many_bytes_as_it_adds_after_an_earlier_parse_is_signed_as_sent()
    {
        // sender_auth (check_outbound) parses first; hygiene then removes an internal Received field exactly as long as
        // the Message-ID it adds, so only a dropped parse shows the signer the new fields (review D2).
        const string tail = "; Sat, 5 Dec 2026 04:59:59 +0000\r\n";
        var messageIdLength = "Message-ID: <".Length + 32 + "@mx.rampart.test>\r\n".Length;
        var received = "Received: by h" + new string('x', messageIdLength - "Received: by h.corp.test".Length - tail.Length) + ".corp.test" + tail;
        Assert.Equal(messageIdLength, received.Length);
        var yaml = world.Yaml(("rsa", true)) + "header_hygiene:\n  outbound: {remove_internal_received: true, add_message_id: true}\n";
        await using var gateway = await TestGateway.StartAsync(outboundExtra: "sender_auth: {check_outbound: true}", topExtra: yaml);
        var sent = await SendAsync(gateway, "outbound", "alice@signed.test", "bob@remote.test",
            received + "From: alice@signed.test\r\nTo: bob@remote.test\r\nDate: Sat, 05 Dec 2026 05:00:00 +0000\r\nSubject: same size\r\n\r\nbody\r\n", "outgoing");

        var header = Header(sent);
        Assert.DoesNotContain("Received: by h", header, StringComparison.Ordinal);
        var messageId = System.Text.RegularExpressions.Regex.Match(sent, @"Message-ID: <[0-9a-f]{32}@mx\.rampart\.test>\r\n").Value;
        Assert.Equal(messageIdLength, messageId.Length);
        Assert.Equal([("rsa", true)], await world.MimeKitVerifyAsync(Encoding.Latin1.GetBytes(sent)));
        Assert.Contains("R_DKIM_ALLOW", await world.RspamdSymbolsAsync(Encoding.Latin1.GetBytes(sent)));
        var unfolded = System.Text.RegularExpressions.Regex.Replace(header, @"\r\n[ \t]+", " ");
        var signed = System.Text.RegularExpressions.Regex.Match(unfolded, @"DKIM-Signature:.*?[; ]h=([^;]*)").Groups[1].Value;
        Assert.Contains("message-id", signed.ToLowerInvariant(), StringComparison.Ordinal);
    }
}
