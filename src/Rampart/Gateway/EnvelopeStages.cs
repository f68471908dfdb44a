using Microsoft.Extensions.Logging;
using Rampart.Mail;
using Rampart.Policy;
using Rampart.Queue;
using Rampart.Smtp.Protocol;
using Rampart.Smtp.Session;

namespace Rampart.Gateway;

/// <summary>
/// The stages before DATA (connect, HELO, MAIL, RCPT): each asks the listener's policy chain and turns its verdict
/// into a reply. At MAIL, back pressure comes first: a gateway short of disk or memory takes no new transaction.
/// </summary>
internal sealed partial class EnvelopeStages(PolicyChain chain, ResourceGuard resources, ILogger logger)
{
    /// <summary>The listener's filters, for whoever needs to say what runs there (tests, diagnostics).</summary>
    public PolicyChain Chain => chain;

    public async ValueTask<SmtpReply?> ConnectedAsync(SessionFacts session, CancellationToken ct) =>
        GatewayReplies.For(await chain.ConnectAsync(session, ct));

    public async ValueTask<SmtpReply?> HeloAsync(SessionFacts session, CancellationToken ct) =>
        GatewayReplies.For(await chain.HeloAsync(session, ct));

    public async ValueTask<SmtpReply?> MailFromAsync(SessionFacts session, Sender sender, CancellationToken ct)
    {
        // Back pressure before any policy work: the sender keeps the mail and comes back when we have room.
        if (resources.Shortage() is { } shortage)
        {
            StagesLog.Shortage(logger, session.ListenerName, shortage);
            return GatewayReplies.InsufficientResources;
        }
        return GatewayReplies.For(await chain.MailFromAsync(session, sender, ct));
    }

    /// <summary>A recipient no filter refused is accepted (the chain itself refuses one that no filter accepted).</summary>
    public async ValueTask<SmtpReply> RcptToAsync(SessionFacts session, Sender sender, Recipient recipient, CancellationToken ct) =>
        GatewayReplies.For(await chain.RcptToAsync(session, sender, recipient, ct)) ?? Replies.RecipientOk;

    private static partial class StagesLog
    {
        [LoggerMessage(EventCatalogue.Shortage, LogLevel.Warning, "Back pressure on {Listener}: {Shortage}; answering 452 4.3.1")]
        public static partial void Shortage(ILogger logger, string listener, string shortage);
    }
}
