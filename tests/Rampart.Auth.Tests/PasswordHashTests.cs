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
