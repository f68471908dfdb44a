using Rampart.Auth;
using Rampart.Gateway;
using Rampart.Smtp.Protocol;
using Rampart.Testing;

namespace Rampart.Tests.Gateway;

public sealed class SessionAuthTests
{
    [Fact]
    public async Task A_listener_without_AUTH_refuses_every_attempt_and_has_no_SASL_exchange()
    {
        Assert.False(SessionAuth.None.Offered);
        Assert.Same(Replies.AuthFailed, await SessionAuth.None.AuthenticateAsync(Facts.Session(), "alice", "secret", default));
        Assert.Null(SessionAuth.None.CreateSaslServer(Facts.Session(), Sasl.ScramSha256));
    }

    [Fact]
    public async Task The_right_password_passes_a_wrong_one_is_535_and_past_the_limit_even_the_right_one_is_454()
    {
        using var temp = new TempDirectory();
        var users = new UserStore(temp.File("users.db"), iterations: 1000);
        users.Add("alice", "secret", []);
        var limits = new FailureLimits { MaxFailures = 1, Delay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero };
        var auth = new SessionAuth(new Authenticator(users, new FailureGuard(limits, TimeProvider.System)));
        var session = Facts.Session();

        Assert.True(auth.Offered);
        Assert.NotNull(auth.CreateSaslServer(session, Sasl.ScramSha256));
        Assert.Null(await auth.AuthenticateAsync(session, "alice", "secret", default));
        Assert.Same(Replies.AuthFailed, await auth.AuthenticateAsync(session, "alice", "wrong", default));
        Assert.Same(GatewayReplies.LockedOut, await auth.AuthenticateAsync(session, "alice", "secret", default));
    }
}
