using Rampart.Smtp.Transport;
using Rampart.Testing;

namespace Rampart.Smtp.Tests.Transport;

/// <summary>The self-signed certificate: made once, kept, and its key readable by the gateway's user alone.</summary>
public class TlsCertificatesTests
{
    private const UnixFileMode Owner = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public void The_self_signed_key_and_its_folder_are_the_owners_alone_and_reused()
    {
        using var temp = new TempDirectory("rampart-selfsigned");
        var folder = temp.File("tls");

        using var first = TlsCertificates.LoadOrCreateSelfSigned(folder, "mx.example.test");

        Assert.Equal(Owner | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
        Assert.Equal(Owner, File.GetUnixFileMode(Path.Combine(folder, "selfsigned.key")));
        Assert.Equal(Owner, File.GetUnixFileMode(Path.Combine(folder, "selfsigned.crt")));
        Assert.Equal(["selfsigned.crt", "selfsigned.key"], Directory.GetFiles(folder).Select(Path.GetFileName).Order());
        Assert.True(first.HasPrivateKey);
        using var again = TlsCertificates.LoadOrCreateSelfSigned(folder, "mx.example.test");
        Assert.Equal(first.Thumbprint, again.Thumbprint);
    }

    [Fact]
    public void A_leftover_temporary_key_from_a_crash_does_not_lend_its_mode()
    {
        using var temp = new TempDirectory("rampart-selfsigned");
        var folder = Directory.CreateDirectory(temp.File("tls")).FullName;
        var leftover = Path.Combine(folder, "selfsigned.key.tmp");
        File.WriteAllText(leftover, "half a key");
        File.SetUnixFileMode(leftover, (UnixFileMode)0b110_110_110);

        using var certificate = TlsCertificates.LoadOrCreateSelfSigned(folder, "mx.example.test");

        Assert.Equal(Owner, File.GetUnixFileMode(Path.Combine(folder, "selfsigned.key")));
        Assert.False(File.Exists(leftover));
    }

    [Fact]
    public void The_self_signed_validity_is_dated_by_the_clock()
    {
        using var temp = new TempDirectory("rampart-selfsigned");
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2030, 6, 15, 0, 0, 0, TimeSpan.Zero));

        using var certificate = TlsCertificates.LoadOrCreateSelfSigned(temp.File("tls"), "mx.example.test", clock);

        Assert.Equal(new DateTime(2030, 6, 14, 0, 0, 0, DateTimeKind.Utc), certificate.NotBefore.ToUniversalTime());
        Assert.Equal(new DateTime(2040, 6, 15, 0, 0, 0, DateTimeKind.Utc), certificate.NotAfter.ToUniversalTime());
    }
}
