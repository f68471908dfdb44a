using System.Text;
using MimeKit.Utils;

namespace Rampart.Delivery.Bounces;

/// <summary>What a notification is about; one report is one kind (the worst action among its recipients).</summary>
internal enum NoticeKind { Failure, Delay, Success }

/// <summary>
/// The first, human-readable part (RFC 3464 §2.1 leaves its wording to us). Modelled on postfix's
/// bounce templates: who is writing, what happened, then one line per recipient with the reply that
/// decided it, since that reply is what a sender can act on.
/// </summary>
internal static class NoticeText
{
    public static string Subject(NoticeKind kind) => kind switch
    {
        NoticeKind.Failure => "Undelivered Mail Returned to Sender",
        NoticeKind.Delay => "Delayed Mail (still being retried)",
        _ => "Successful Mail Delivery Report",
    };

    public static NoticeKind KindOf(IReadOnlyList<ReportedRecipient> recipients) =>
        recipients.Any(r => r.Action == DsnAction.Failed) ? NoticeKind.Failure
        : recipients.Any(r => r.Action == DsnAction.Delayed) ? NoticeKind.Delay
        : NoticeKind.Success;

    public static string Build(DeliveryReport report, NoticeKind kind, ReturnedContent returned, bool international)
    {
        var text = new StringBuilder();
        text.Append($"This is the mail system at host {report.ReportingMta}.\r\n\r\n");
        switch (kind)
        {
            case NoticeKind.Failure:
                text.Append("Your message could not be delivered to one or more recipients.\r\n");
                text.Append(returned.HeadersOnly
                    ? "The header of the message is attached below.\r\n"
                    : "The message is attached below.\r\n");
                text.Append("\r\nFor help, please write to postmaster and include this report.\r\n");
                break;
            case NoticeKind.Delay:
                text.Append("THIS IS A WARNING ONLY. YOU DO NOT NEED TO RESEND YOUR MESSAGE.\r\n\r\n");
                text.Append($"Your message, received on {DateUtils.FormatDate(report.ArrivalDate)},\r\n");
                text.Append("has not been delivered yet to the recipients below. Delivery will be retried");
                var until = report.Recipients.Where(r => r.WillRetryUntil is not null).Select(r => r.WillRetryUntil!.Value).ToList();
                text.Append(until.Count > 0 ? $"\r\nuntil {DateUtils.FormatDate(until.Max())}" : "");
                text.Append("; you will be told if it fails.\r\n");
                break;
            case NoticeKind.Success:
                text.Append("Your message was delivered to the destinations listed below. Where it was\r\n");
                text.Append("relayed onward rather than delivered to a mailbox, other systems may still\r\n");
                text.Append("report delivery errors.\r\n");
                break;
        }
        text.Append("\r\n                   The mail system\r\n\r\n");
        foreach (var r in report.Recipients)
        {
            // Folded like a field: a quoted multi-line reply must not make a line past RFC 5322's 998.
            text.Append(DeliveryStatusFields.Fold(RecipientLine(r, international))).Append("\r\n");
        }
        return text.ToString();
    }

    private static string RecipientLine(ReportedRecipient r, bool international)
    {
        var address = DeliveryStatusFields.Clean(r.Recipient.Address, international);
        var host = r.RemoteMta is { Length: > 0 } mta ? $"host {DeliveryStatusFields.Clean(mta, international)} said: " : "";
        var reply = r.Diagnostic is { } d ? DeliveryStatusFields.Clean(d.ToString(), international) : $"status {r.Status}";
        return r.Action switch
        {
            DsnAction.Failed => $"<{address}>: {host}{reply}",
            DsnAction.Delayed => $"<{address}>: delivery temporarily suspended: {host}{reply}",
            DsnAction.Delivered => $"<{address}>: delivered{(host.Length > 0 ? $" via {host}{reply}" : "")}",
            DsnAction.Relayed => $"<{address}>: relayed to a system that sends no further notifications{(host.Length > 0 ? $" ({host}{reply})" : "")}",
            _ => $"<{address}>: expanded to further recipients",
        };
    }
}
