using System.Net;
using MimeKit.Cryptography;
using Rampart.Testing;
using Rampart.Tests.SenderAuth;
using static Rampart.Tests.Rules.RulesGateway;

namespace Rampart.Tests.Rules;

/// <summary>
/// The spf, dkim and dmarc conditions over real SMTP with real results: a gateway checking SPF and sender_auth against
/// unbound (<see cref="AuthZones"/>), messages signed in the test with MimeKit, and rules that mark (X-Hit) or change
/// the subject of what they match. SPF fail is only logged and DMARC domains are p=none, so every message is delivered
/// and its copy shows which results the rules saw.
/// </summary>
public sealed class TransportRuleAuthConditionTests(AuthZones zones) : IClassFixture<AuthZones>
{
    private static readonly IPAddress Designated = IPAddress.Parse("127.0.0.5");
    private static readonly IPAddress Elsewhere = IPAddress.Parse("127.0.0.7");

    private static readonly (string, string)[] Conditions =
    [
        ("spf-pass", "{spf: [pass]}"),
        ("spf-fail", "{spf: [fail, softfail]}"),
        ("spf-none", "{spf: [none]}"),
        ("dkim-pass", "{dkim: [pass]}"),
        ("dkim-fail", "{dkim: [fail]}"),
        ("dkim-none", "{dkim: [none]}"),
        ("dmarc-pass", "{dmarc: [pass]}"),
        ("dmarc-fail", "{dmarc: [fail]}"),
    ];

    private const string Warning = "  - name: unauthenticated-warning\n    conditions: {dmarc: [fail]}\n"
        + "    actions: {prepend_subject: \"[UNVERIFIED]\"}\n";

    private Task<TestGateway> StartAsync() =>
        TestGateway.StartAsync(
            inboundExtra: "sender_auth: {}\nspf: {fail: none}",
            topExtra: $"dns: {{server: 127.0.0.1, port: {zones.Port}, timeout: 500ms}}\n" + MarkingRules(Conditions) + Warning);

    [Fact]
    public async Task A_message_passing_SPF_DKIM_and_DMARC_meets_the_pass_conditions_and_keeps_its_subject()
    {
        await using var gateway = await StartAsync();
        var mail = SignedMail.Message("a@spfok.test").Sign(zones.RsaKey, "spfok.test", "rsa", DkimSignatureAlgorithm.RsaSha256);

        await SendAsync(gateway, mail.Text(), from: "a@spfok.test", to: ["b@example.test"], client: Designated);

        var (message, _) = await DeliveredAsync(gateway);
        Assert.Equal(["spf-pass", "dkim-pass", "dmarc-pass"], Hits(message));
        Assert.Equal("hi", message.Subject);
    }

    [Fact]
    public async Task A_signed_message_whose_body_was_changed_meets_dkim_fail_and_dmarc_fail_and_gets_the_subject_prefix()
    {
        await using var gateway = await StartAsync();
        var text = SignedMail.Message("a@none.test", "pay 10 euros\r\n").Sign(zones.RsaKey, "none.test", "rsa", DkimSignatureAlgorithm.RsaSha256).Text();

        await SendAsync(gateway, text.Replace("pay 10 euros", "pay 99 euros", StringComparison.Ordinal), from: "a@none.test", to: ["b@example.test"],
            client: Elsewhere);

        var (message, _) = await DeliveredAsync(gateway);
        // none.test publishes no SPF record: spf none.
        Assert.Equal(["spf-none", "dkim-fail", "dmarc-fail"], Hits(message));
        Assert.Equal("[UNVERIFIED] hi", message.Subject);
    }

    [Fact]
    public async Task A_good_signature_of_another_domain_passes_DKIM_but_not_DMARC_for_a_p_none_From()
    {
        await using var gateway = await StartAsync();
        var mail = SignedMail.Message("a@none.test").Sign(zones.RsaKey, "signed.test", "rsa", DkimSignatureAlgorithm.RsaSha256);

        await SendAsync(gateway, mail.Text(), from: "a@none.test", to: ["b@example.test"], client: Elsewhere);

        var (message, _) = await DeliveredAsync(gateway);
        Assert.Equal(["spf-none", "dkim-pass", "dmarc-fail"], Hits(message));
        Assert.Equal("[UNVERIFIED] hi", message.Subject);
    }

    [Fact]
    public async Task A_client_the_SPF_record_does_not_designate_meets_spf_fail()
    {
        await using var gateway = await StartAsync();

        // spfok.test says "ip4:127.0.0.5 -all"; the From is in none.test (p=none), so nothing refuses the message.
        await SendAsync(gateway, SignedMail.Message("a@none.test").Text(), from: "a@spfok.test", to: ["b@example.test"], client: Elsewhere);

        var (message, _) = await DeliveredAsync(gateway);
        Assert.Equal(["spf-fail", "dkim-none", "dmarc-fail"], Hits(message));
        Assert.Equal("[UNVERIFIED] hi", message.Subject);
    }
}
