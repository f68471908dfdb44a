using Rampart.Mail.Metrics;
using Rampart.Smtp.Protocol;

namespace Rampart.Smtp.Session;

public sealed partial class SmtpSession
{
    /// <summary>The listener's instruments (rampart_refusals_total, messages, sessions); null records nothing.</summary>
    public ListenerMeters? Meters { get; init; }

    /// <summary>The stage a refusal answers: the command being answered, a line that did not parse, or the connection itself.</summary>
    private static RefusalStage RefusalStageOf(SmtpCommand? command, string? unparsed) => command switch
    {
        null => unparsed is null ? RefusalStage.Connect : RefusalStage.Command,
        SmtpCommand.Helo => RefusalStage.Helo,
        SmtpCommand.Auth => RefusalStage.Auth,
        SmtpCommand.StartTls => RefusalStage.StartTls,
        SmtpCommand.Mail => RefusalStage.Mail,
        SmtpCommand.Rcpt => RefusalStage.Rcpt,
        SmtpCommand.Data or SmtpCommand.Bdat => RefusalStage.Data,
        _ => RefusalStage.Command,
    };
}
