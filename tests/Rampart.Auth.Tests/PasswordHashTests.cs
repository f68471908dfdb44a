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
        Assert.NotEqual(a.Key, b.Key);
    }

    [Fact]
    public void The_default_is_slow_enough() => Assert.True(PasswordHash.DefaultIterations >= 600_000);
}
