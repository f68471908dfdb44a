namespace Rampart.Mail.Metrics;

/// <summary>Where in the SMTP dialogue a refusal was given: the "stage" label of rampart_refusals_total.</summary>
public enum RefusalStage { Connect, Helo, Auth, StartTls, Mail, Rcpt, Data, Command }

public static class RefusalStages
{
    public const int Count = (int)RefusalStage.Command + 1;

    public static string Label(RefusalStage stage) => stage switch
    {
        RefusalStage.Connect => "connect",
        RefusalStage.Helo => "helo",
        RefusalStage.Auth => "auth",
        RefusalStage.StartTls => "starttls",
        RefusalStage.Mail => "mail",
        RefusalStage.Rcpt => "rcpt",
        RefusalStage.Data => "data",
        _ => "command",
    };
}

/// <summary>
/// The "reason" label of rampart_refusals_total: a closed set named after RFC 3463's subjects and the details this
/// gateway gives, so a client can never add a series (its words are not read, only the code the gateway chose).
/// </summary>
public enum RefusalReason
{
    Other, Policy, PolicyTempfail, UnknownRecipient, BadAddress, Mailbox, SystemFull, TooBig, System, Network, Loop,
    Protocol, Content, AuthFailed, TlsRequired, SenderAuth,
}

public static class RefusalReasons
{
    public const int Count = (int)RefusalReason.SenderAuth + 1;

    public static RefusalReason Of(SmtpReply reply)
    {
        if (reply.Status is not { } s) return RefusalReason.Other;
        return (s.Subject, s.Detail) switch
        {
            (1, 1) => RefusalReason.UnknownRecipient,
            (1, _) => RefusalReason.BadAddress,
            (2, 3) or (3, 4) => RefusalReason.TooBig,
            (2, _) => RefusalReason.Mailbox,
            (3, 1) => RefusalReason.SystemFull,
            (3, _) => RefusalReason.System,
            (4, 6) => RefusalReason.Loop,
            (4, _) => RefusalReason.Network,
            (5, _) => RefusalReason.Protocol,
            (6, _) => RefusalReason.Content,
            (7, 8) or (7, 9) => RefusalReason.AuthFailed,
            (7, 10) or (7, 11) => RefusalReason.TlsRequired,
            (7, >= 20 and <= 29) => RefusalReason.SenderAuth,
            (7, _) => s.Class == 4 ? RefusalReason.PolicyTempfail : RefusalReason.Policy,
            _ => RefusalReason.Other,
        };
    }

    public static string Label(RefusalReason reason) => reason switch
    {
        RefusalReason.Policy => "policy",
        RefusalReason.PolicyTempfail => "policy_tempfail",
        RefusalReason.UnknownRecipient => "unknown_recipient",
        RefusalReason.BadAddress => "bad_address",
        RefusalReason.Mailbox => "mailbox",
        RefusalReason.SystemFull => "system_full",
        RefusalReason.TooBig => "too_big",
        RefusalReason.System => "system",
        RefusalReason.Network => "network",
        RefusalReason.Loop => "loop",
        RefusalReason.Protocol => "protocol",
        RefusalReason.Content => "content",
        RefusalReason.AuthFailed => "auth_failed",
        RefusalReason.TlsRequired => "tls_required",
        RefusalReason.SenderAuth => "sender_auth",
        _ => "other",
    };
}
