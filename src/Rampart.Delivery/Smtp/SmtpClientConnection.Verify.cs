using Rampart.Mail;

namespace Rampart.Delivery.Smtp;

public sealed partial class SmtpClientConnection
{
    /// <summary>
    /// Asks the peer whether it would take mail for <paramref name="address"/> without sending any: MAIL FROM:&lt;&gt;,
    /// RCPT TO, then RSET (RFC 5321 §4.1.1.5), so no message is ever started. The null sender means a
    /// verification never causes a bounce. Returns the RCPT reply; a refused MAIL says nothing about the address
    /// and is thrown as an <see cref="SmtpClientException"/>.
    /// </summary>
    public async Task<SmtpReply> VerifyRecipientAsync(string address, CancellationToken ct)
    {
        if (!IsReusable) throw new InvalidOperationException($"the connection to {Peer} is not ready for a transaction");
        IsReusable = false;
        var mail = await CommandAsync("MAIL FROM:<>", options.CommandTimeout, "MAIL FROM", ct);
        if (mail.Code / 100 != 2) throw new SmtpClientException(mail, tryNextHost: true);
        var rcpt = await CommandAsync($"RCPT TO:<{address}>", options.CommandTimeout, "RCPT TO", ct);
        var rset = await CommandAsync("RSET", options.CommandTimeout, "RSET", ct);
        IsReusable = rset.Code == 250 && !channel.Broken;
        return rcpt;
    }
}
