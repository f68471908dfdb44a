using Rampart.Mail;

namespace Rampart.Smtp.Session;

/// <summary>
/// A SASL mechanism the host runs itself (SCRAM-SHA-256): the engine only carries base64 lines, so the
/// mechanism's state and secrets stay with the host.
/// </summary>
public interface ISaslServer
{
    /// <summary>Each decoded client response in turn; the first is the initial response, "" when there was none.</summary>
    ValueTask<SaslStep> StepAsync(string response, CancellationToken ct);
}

public abstract record SaslStep
{
    private SaslStep() { }

    /// <summary>Sent as "334 base64(text)"; the client's answer is the next step.</summary>
    public sealed record Challenge(string Text) : SaslStep;

    public sealed record Success(string User) : SaslStep;

    public sealed record Failure(SmtpReply Reply) : SaslStep;
}
