namespace Rampart.Policy.SenderAuth;

/// <summary>What a listener does when DMARC fails under p=reject: refuse at the end of DATA, or hold in quarantine.</summary>
public enum DmarcRejectAction { Reject, Quarantine }

/// <summary>What a listener does when DMARC fails under p=quarantine: hold in quarantine, or only record it.</summary>
public enum DmarcQuarantineAction { Quarantine, Accept }

/// <summary>
/// DKIM, ARC and DMARC at the end of DATA, and the Authentication-Results field (the <c>sender_auth:</c> section).
/// </summary>
/// <param name="AuthservId">Our authserv-id (RFC 8601 §2.5); null: the gateway's host name.</param>
/// <param name="TrustedForwarders">ARC sealer domains (d= of the last ARC-Seal) whose recorded results are believed
/// when DMARC fails here (RFC 8617 §7.2): mailing lists and forwarders the administrator knows. Empty by default.</param>
/// <param name="MaxSignatures">DKIM-Signature fields verified per message (RFC 6376 §6.1 lets a verifier limit them);
/// 5 covers a sender's own plus a list's and an ESP's, and bounds the work a message can ask for.</param>
/// <param name="CheckOutbound">Also on outbound and submission listeners (their mail is ours: off by default).</param>
public sealed record SenderAuthOptions(
    string? AuthservId = null,
    IReadOnlyList<string>? TrustedForwarders = null,
    DmarcRejectAction OnReject = DmarcRejectAction.Reject,
    DmarcQuarantineAction OnQuarantine = DmarcQuarantineAction.Quarantine,
    int MaxSignatures = 5,
    bool CheckOutbound = false)
{
    public IReadOnlyList<string> Forwarders => TrustedForwarders ?? [];
}
