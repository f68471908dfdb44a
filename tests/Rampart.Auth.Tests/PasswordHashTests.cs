namespace Rampart.Auth.Tests;

public class PasswordHashTests
{
    [Fact]
    public void The_right_password_matches_and_others_do_not()
    {
        var hash = PasswordHash.Create("correct horse", iterations: 1000);
        Assert.True(hash.Matches("correct horse"));
        Assert.False(hash.Matches("correct horsE"));
        Assert.False(hash.Matches(""));
    }

    [Fact]
    public void Each_hash_has_its_own_salt()
    {
        var a = PasswordHash.Create("same", iterations: 1000);
        var b = PasswordHash.Create("same", iterations: 1000);
        Assert.NotEqual(a.Salt, b.Salt);
        Assert.NotEqual(a.StoredKey, b.StoredKey);
    }

    [Fact]
    public void The_default_is_slow_enough() => Assert.True(PasswordHash.DefaultIterations >= 600_000);
}

public class ScramKeyTests
{
    /// <summary>RFC 7677 §3's example: user "user", password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ==, 4096 iterations.</summary>
    [Fact]
    public void Keys_match_the_RFC_7677_example()
    {
        var salted = PasswordHash.SaltedPassword("pencil", Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);
        var authMessage = "n=user,r=rOprNGfwEbeRWgbNEkqO,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
        var serverSignature = System.Security.Cryptography.HMACSHA256.HashData(PasswordHash.ServerKeyOf(salted), System.Text.Encoding.UTF8.GetBytes(authMessage));
        Assert.Equal("6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", Convert.ToBase64String(serverSignature));
    }
}

public sealed class ScramExchangeTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("rampart-scram").FullName;
    private readonly UserStore store;
    private readonly FailureGuard guard = new(new FailureLimits { Delay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero }, TimeProvider.System);

    public ScramExchangeTests()
    {
        store = new UserStore(Path.Combine(dir, "users.db"), iterations: 1000);
        store.Add("user", "pencil", []);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(dir, recursive: true);
    }

    private ScramExchange Start() => new(store, guard, System.Net.IPAddress.Loopback);

    [Fact]
    public async Task An_unknown_user_gets_a_salt_as_stable_as_a_real_one()
    {
        static string Salt(string serverFirst) => serverFirst.Split(',')[1];
        var a = await Start().StepAsync("n,,n=nobody,r=abc", default);
        var b = await Start().StepAsync("n,,n=nobody,r=abc", default);
        var real = await Start().StepAsync("n,,n=user,r=abc", default);
        Assert.Equal(Salt(a.Challenge!), Salt(b.Challenge!));
        Assert.NotEqual(Salt(a.Challenge!), Salt(real.Challenge!));
        Assert.Matches("^r=abc[^,]+,s=[^,]+,i=1000$", real.Challenge);
    }

    [Theory]
    [InlineData("p=tls-unique,,n=user,r=abc")]
    [InlineData("n,x,n=user,r=abc")]
    [InlineData("n,a=other,n=user,r=abc")]
    [InlineData("n,,r=abc")]
    [InlineData("garbage")]
    public async Task Malformed_first_messages_fail(string message) =>
        Assert.Equal(ScramStep.End(AuthOutcome.Failed), await Start().StepAsync(message, default));

    [Fact]
    public async Task A_wrong_final_message_fails()
    {
        var exchange = Start();
        var first = await exchange.StepAsync("n,,n=user,r=abc", default);
        var nonce = first.Challenge!.Split(',')[0];
        var final = await exchange.StepAsync($"c=biws,{nonce},p={Convert.ToBase64String(new byte[32])}", default);
        Assert.Equal(AuthOutcome.Failed, final.Outcome);
        Assert.Null(final.Challenge);
    }

    /// <summary>Issue 11 item 9: every exchange passed the first step's lockout test before any had failed.</summary>
    [Fact]
    public async Task Exchanges_past_their_first_step_together_get_no_more_proofs_checked_than_the_lockout_allows()
    {
        var exchanges = Enumerable.Range(0, 12).Select(_ => Start()).ToList();
        var finals = new List<string>();
        foreach (var exchange in exchanges)
        {
            var nonce = (await exchange.StepAsync("n,,n=user,r=abc", default)).Challenge!.Split(',')[0];
            finals.Add($"c=biws,{nonce},p={Convert.ToBase64String(new byte[32])}");
        }
        var outcomes = await Task.WhenAll(exchanges.Select((e, i) => e.StepAsync(finals[i], default).AsTask()));
        Assert.Equal(guard.Limits.MaxFailures, outcomes.Count(o => o.Outcome == AuthOutcome.Failed));
        Assert.Equal(12 - guard.Limits.MaxFailures, outcomes.Count(o => o.Outcome == AuthOutcome.LockedOut));
    }
}
