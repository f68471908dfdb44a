using System.Buffers;
using System.Text;
using Rampart.Mail;
using Rampart.Smtp.Protocol;

namespace Rampart.Smtp.Session;

public sealed partial class SmtpSession
{
    /// <summary>RFC 4954 §4: a server must accept AUTH responses of at least 12288 octets.</summary>
    private const int MaxSaslLine = 12288;

    private bool AuthOffered => options.AuthMechanisms.Count > 0 && options.Role != ListenerRole.Inbound;

    /// <summary>RFC 4954: the SASL exchange for PLAIN and LOGIN. The host checks the credentials and does the delaying.</summary>
    private async Task AuthAsync(SmtpCommand.Auth auth)
    {
        if (!AuthOffered)
        {
            await SendAsync(Replies.AuthNotAvailable);
            return;
        }
        if (facts.AuthenticatedUser is not null)
        {
            await SendAsync(Replies.AuthAlready);
            return;
        }
        if (tls is null)
        {
            await SendAsync(Replies.AuthNeedsTls);
            return;
        }
        if (!options.AuthMechanisms.Contains(auth.Mechanism))
        {
            await SendAsync(Replies.AuthMechanismUnknown);
            return;
        }

        if (auth.Mechanism is not (Sasl.Plain or Sasl.Login))
        {
            await HostMechanismAsync(auth);
            return;
        }

        string user, password;
        if (auth.Mechanism == Sasl.Plain)
        {
            var (ok, message) = await ResponseAsync(auth.InitialResponse, "");
            if (!ok) return;
            if (!Sasl.TryParsePlain(message, out user, out password))
            {
                await SendAsync(Replies.AuthFailed);
                return;
            }
        }
        else
        {
            var (ok, name) = await ResponseAsync(auth.InitialResponse, Sasl.LoginUserChallenge);
            if (!ok) return;
            (ok, password) = await ResponseAsync(null, Sasl.LoginPasswordChallenge);
            if (!ok) return;
            user = name;
        }

        var refusal = await handler.AuthenticateAsync(facts, user, password, shutdown);
        if (refusal is not null)
        {
            SmtpLog.AuthFailed(logger, facts.SessionId, facts.ClientAddress, auth.Mechanism, refusal.Code);
            await SendAsync(refusal);
            return;
        }
        await SucceedAsync(auth.Mechanism, user);
    }

    private async Task SucceedAsync(string mechanism, string user)
    {
        // The store's canonical form (it matches names trimmed and case-folded): what the client typed, spaces or
        // stray line ends included, must not travel into logs, Received: headers and the queued envelope.
        user = user.Trim().ToLowerInvariant();
        facts.AuthenticatedUser = user;
        SmtpLog.Authenticated(logger, facts.SessionId, facts.ClientAddress, mechanism, LogText.Escape(user));
        await SendAsync(Replies.AuthSucceeded);
    }

    /// <summary>A mechanism the host runs: relay its challenges and the client's answers until it decides.</summary>
    private async Task HostMechanismAsync(SmtpCommand.Auth auth)
    {
        if (handler.CreateSaslServer(facts, auth.Mechanism) is not { } sasl)
        {
            await SendAsync(Replies.AuthMechanismUnknown);
            return;
        }
        // RFC 4954 §4: without an initial response the server sends an empty challenge first.
        var (ok, response) = await ResponseAsync(auth.InitialResponse, "");
        // A client that never stops answering challenges is cut off like any other erring client.
        for (int round = 0; ok && round < 5; round++)
        {
            switch (await sasl.StepAsync(response, shutdown))
            {
                case SaslStep.Success success:
                    await SucceedAsync(auth.Mechanism, success.User);
                    return;
                case SaslStep.Failure failure:
                    SmtpLog.AuthFailed(logger, facts.SessionId, facts.ClientAddress, auth.Mechanism, failure.Reply.Code);
                    await SendAsync(failure.Reply);
                    return;
                case SaslStep.Challenge challenge:
                    (ok, response) = await ResponseAsync(null, Convert.ToBase64String(Encoding.UTF8.GetBytes(challenge.Text)));
                    break;
            }
        }
        if (ok) await SendAsync(Replies.AuthFailed);
    }

    /// <summary>The initial response if the client sent one, otherwise a 334 challenge and the client's answer, decoded.</summary>
    private async Task<(bool Ok, string Text)> ResponseAsync(string? initial, string challenge)
    {
        var line = initial;
        if (line is null)
        {
            await SendAsync(Replies.SaslChallenge(challenge));
            line = await ReadSaslLineAsync();
            if (line is null) return (false, "");
        }
        if (Sasl.IsCancel(line))
        {
            await SendAsync(Replies.AuthCancelled);
            return (false, "");
        }
        if (!Sasl.TryDecode(line, out var text))
        {
            await SendAsync(Replies.AuthBadBase64);
            return (false, "");
        }
        return (true, text);
    }

    /// <summary>One response line of a SASL exchange; null (and the session closing) if it is too long or the client left.</summary>
    private async Task<string?> ReadSaslLineAsync()
    {
        while (true)
        {
            var result = await ReadAsync(options.Limits.CommandTimeout);
            var buffer = result.Buffer;
            var lf = buffer.PositionOf((byte)'\n');
            if (lf is null)
            {
                if (buffer.Length > MaxSaslLine || result.IsCompleted)
                {
                    reader.AdvanceTo(buffer.End);
                    closing = true;
                    if (!result.IsCompleted) await SendAsync(Replies.AuthLineTooLong);
                    return null;
                }
                reader.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }
            var text = Encoding.ASCII.GetString(buffer.Slice(0, lf.Value)).TrimEnd('\r');
            reader.AdvanceTo(buffer.GetPosition(1, lf.Value));
            return text;
        }
    }
}
