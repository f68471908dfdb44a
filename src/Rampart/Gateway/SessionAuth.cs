using Rampart.Auth;
using Rampart.Mail;
using Rampart.Smtp.Protocol;
using Rampart.Smtp.Session;

namespace Rampart.Gateway;

/// <summary>
/// SMTP AUTH of one listener: the password mechanisms and SCRAM, both against the user store through the
/// <see cref="Authenticator"/> (lockout included). A listener without AUTH gets <see cref="None"/>, which refuses all.
/// </summary>
internal sealed class SessionAuth(Authenticator? authenticator)
{
    public static readonly SessionAuth None = new(null);

    public bool Offered => authenticator is not null;

    public ISaslServer? CreateSaslServer(SessionFacts session, string mechanism) =>
        mechanism == Sasl.ScramSha256 && authenticator is not null ? new ScramSasl(authenticator.StartScram(session.ClientAddress)) : null;

    public async ValueTask<SmtpReply?> AuthenticateAsync(SessionFacts session, string user, string password, CancellationToken ct)
    {
        if (authenticator is null) return Replies.AuthFailed;
        return GatewayReplies.For(await authenticator.AuthenticateAsync(session.ClientAddress, user, password, ct));
    }

    private sealed class ScramSasl(ScramExchange exchange) : ISaslServer
    {
        public async ValueTask<SaslStep> StepAsync(string response, CancellationToken ct) => await exchange.StepAsync(response, ct) switch
        {
            { Challenge: { } text } => new SaslStep.Challenge(text),
            { Outcome: AuthOutcome.Success, User: { } user } => new SaslStep.Success(user),
            { Outcome: var outcome } => new SaslStep.Failure(GatewayReplies.For(outcome)!),
        };
    }
}
