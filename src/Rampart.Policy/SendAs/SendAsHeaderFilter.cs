using MimeKit;

namespace Rampart.Policy.SendAs;

/// <summary>
/// Send-as for the header From, which is what recipients see: an authenticated user whose MAIL FROM is their
/// own must not put the CEO's address in From:. Every mailbox there must be the user's; anonymous sessions are
/// not judged here. Only on listeners with AUTH, as a message filter reads each message's header block back.
/// </summary>
public sealed class SendAsHeaderFilter(ISendAsDirectory directory) : IMessageFilter
{
    public string Name => "send-as-header";

    public async ValueTask<Verdict> OnMessageAsync(MessageContext message, CancellationToken ct)
    {
        if (message.Session.AuthenticatedUser is not { } user) return Verdict.Next;
        if (await message.AuthorFieldsAsync(ct) is not { } headers) return new Verdict.Reject(SendAsReplies.NotYours);
        foreach (var from in headers.Where(h => h.Id == HeaderId.From))
        {
            // A From: no parser agrees on cannot be shown to be the user's own: refused, not waved through.
            if (!InternetAddressList.TryParse(from.Value, out var list) || list.Mailboxes.Count() == 0
                || list.Mailboxes.Any(m => !SendAsFilter.Owns(directory, user, m.Address)))
            {
                return new Verdict.Reject(SendAsReplies.NotYours);
            }
        }
        return Verdict.Next;
    }
}
