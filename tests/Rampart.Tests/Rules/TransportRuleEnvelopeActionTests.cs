using MimeKit;
using Rampart.Testing;
using Rampart.Tracking;
using static Rampart.Tests.Rules.RulesGateway;

namespace Rampart.Tests.Rules;

/// <summary>
/// The disclaimer, redirect, add_recipients, route and discard actions of the rules over real SMTP, carried out by the
/// primitives of Rules/Actions and MessageContext: the drop folders' Delivered-To lines show where a message went.
/// </summary>
public sealed class TransportRuleEnvelopeActionTests
{
    private const string Journal = "  journal: {transport: drop, path: journal}\n";

    private static Task<TestGateway> StartAsync(string rules) =>
        TestGateway.StartYamlAsync(TestGateway.PlainYaml.Replace("  outgoing: {transport: drop, path: outgoing}\n",
            "  outgoing: {transport: drop, path: outgoing}\n" + Journal, StringComparison.Ordinal) + "\ntransport_rules:\n" + rules);

    private const string Mail = "From: Alice <alice@sender.test>\r\nTo: bob@example.test\r\nMessage-ID: <env-1@sender.test>\r\nSubject: Minutes\r\n\r\nHello Bob.\r\n";

    private static async Task<string[]> DeliveredToAsync(TestGateway gateway, string folder)
    {
        var file = Assert.Single(await gateway.WaitForDropAsync(1, folder));
        var lines = await File.ReadAllLinesAsync(file);
        return [.. lines.TakeWhile(l => l.Length > 0).Where(l => l.StartsWith("Delivered-To: ", StringComparison.Ordinal)).Select(l => l[14..])];
    }

    [Fact]
    public async Task A_disclaimer_goes_into_both_parts_of_an_alternative_message_and_after_the_header_changes()
    {
        await using var gateway = await StartAsync("""
              - name: footer
                conditions: {direction: inbound}
                actions:
                  prepend_subject: "[EXT]"
                  disclaimer: {text: "Sent from outside the company.", html: "<p>Sent from <b>outside</b> the company.</p>"}
            """);
        var alternative = "From: Alice <alice@sender.test>\r\nTo: bob@example.test\r\nSubject: Minutes\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/alternative; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello Bob.\r\n"
            + "--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>Hello Bob.</p></body></html>\r\n--b--\r\n";

        await SendAsync(gateway, alternative);

        var (message, _) = await DeliveredAsync(gateway);
        Assert.Equal("[EXT] Minutes", message.Subject);
        Assert.Contains("Sent from outside the company.", message.TextBody, StringComparison.Ordinal);
        Assert.Contains("Sent from <b>outside</b> the company.", message.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("Hello Bob.", message.TextBody, StringComparison.Ordinal);
        Assert.Equal("multipart/alternative", message.Body!.ContentType.MimeType);
    }

    [Fact]
    public async Task Redirect_and_a_journal_copy_change_the_recipients_and_tracking_names_the_rule()
    {
        await using var gateway = await StartAsync("""
              - name: review
                conditions: {recipient_addresses: [bob@example.test]}
                actions: {redirect: [review@example.test]}
              - name: journal
                actions: {add_recipients: [journal@archive.test]}
            """);

        await SendAsync(gateway, Mail, to: ["bob@example.test", "carol@example.test"]);

        Assert.Equal(["review@example.test"], await DeliveredToAsync(gateway, "drop"));
        Assert.Equal(["journal@archive.test"], await DeliveredToAsync(gateway, "outgoing"));
        await gateway.WaitForEmptyQueueAsync();
        await gateway.Gateway.TrackingWriter!.FlushAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        var chain = await gateway.Gateway.Tracking!.SearchAsync(new TrackingQuery { MessageId = "env-1@sender.test" }, default);
        Assert.Contains(chain, e => e.Detail == "RULE review: redirect to review@example.test");
        Assert.Contains(chain, e => e.Detail == "RULE journal: add recipients journal@archive.test");
    }

    [Fact]
    public async Task Route_sends_every_recipient_through_the_named_route()
    {
        await using var gateway = await StartAsync("  - name: archive-all\n    actions: {route: journal}\n");

        await SendAsync(gateway, Mail);

        Assert.Equal(["bob@example.test"], await DeliveredToAsync(gateway, "journal"));
        await gateway.WaitForEmptyQueueAsync();
        Assert.Equal(0, gateway.DropCount("drop"));
    }

    [Fact]
    public async Task Discard_answers_250_delivers_nothing_and_later_rules_do_not_run()
    {
        await using var gateway = await StartAsync("""
              - name: drop-newsletters
                conditions: {subject_words: [minutes]}
                actions: {discard: true}
              - name: never
                actions: {reject: "550 5.7.1 not reached"}
            """);

        var reply = await SendAsync(gateway, Mail);

        Assert.StartsWith("250 2.0.0", reply[^1], StringComparison.Ordinal);
        await gateway.WaitForEmptyQueueAsync();
        Assert.Equal((0, 0, 0), (gateway.DropCount("drop"), gateway.DropCount("outgoing"), gateway.DropCount("journal")));
        await gateway.Gateway.TrackingWriter!.FlushAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        var chain = await gateway.Gateway.Tracking!.SearchAsync(new TrackingQuery { MessageId = "env-1@sender.test" }, default);
        Assert.Contains(chain, e => e.Kind == TrackingEventKind.Discard && e.Detail == "transport rule drop-newsletters");
        Assert.Contains(chain, e => e.Detail == "RULE drop-newsletters: discard");
    }
}
