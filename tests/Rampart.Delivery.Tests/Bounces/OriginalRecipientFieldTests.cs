using System.Text;
using Rampart.Delivery.Bounces;
using Rampart.Mail;

namespace Rampart.Delivery.Tests.Bounces;

/// <summary>The Original-Recipient field quotes the checked ORCPT (RFC 3464 §2.3.1), a "utf-8" one 7-bit in a plain report (RFC 6533 §3).</summary>
public sealed class OriginalRecipientFieldTests
{
    private static string Fields(string orcpt, bool international)
    {
        var recipient = new Recipient("bob@example.test", OriginalRecipient: orcpt);
        var report = new DeliveryReport("mx.gateway.test", "Q1", new Sender("alice@example.test"), DateTimeOffset.UnixEpoch,
            [new ReportedRecipient(recipient, DsnAction.Failed, "5.1.1", null, new SmtpReply(550, "5.1.1", "No such user"), DateTimeOffset.UnixEpoch)],
            () => new MemoryStream());
        return Encoding.UTF8.GetString(DeliveryStatusFields.Build(report, international));
    }

    [Theory]
    [InlineData("rfc822;bob@example.test", false, "Original-Recipient: rfc822;bob@example.test\r\n")]
    [InlineData("utf-8;jörg@example.test", false, "Original-Recipient: utf-8;j\\x{F6}rg@example.test\r\n")]
    [InlineData("utf-8;jörg@example.test", true, "Original-Recipient: utf-8;jörg@example.test\r\n")]
    public void Quotes_the_checked_value_in_the_form_the_report_allows(string orcpt, bool international, string field) =>
        Assert.Contains(field, Fields(orcpt, international), StringComparison.Ordinal);
}
