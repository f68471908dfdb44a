using Rampart.Configuration;
using Rampart.Testing;

namespace Rampart.Tests.Configuration;

/// <summary>
/// What the configuration tests share: a temp folder for their files, the valid file they change one line of
/// (<see cref="ConfigFile.Valid"/>), and loading as `rampart run` and `check-config` load, through
/// <see cref="ConfigLoader.Load"/>: there is no other way in.
/// </summary>
public abstract class ConfigTest : IDisposable
{
    protected const string Valid = ConfigFile.Valid;

    protected static readonly KeyValuePair<string, string>[] NoEnvironment = [];

    protected readonly TempDirectory temp = new("rampart-config");

    public void Dispose()
    {
        temp.Dispose();
        GC.SuppressFinalize(this);
    }

    protected string Write(string yaml) => ConfigFile.Write(temp, yaml);

    protected GatewayOptions Load(string yaml, params (string Name, string Value)[] environment) =>
        ConfigLoader.Load(Write(yaml), environment.Select(e => KeyValuePair.Create(e.Name, e.Value)).ToList());

    /// <summary>The valid file with <paramref name="find"/> replaced, loaded: the listener named inbound.</summary>
    protected ListenerOptions Inbound(string find, string replace) =>
        Load(Changed(find, replace)).Listeners.Single(l => l.Name == "inbound");

    /// <summary>The valid file with one change, which must apply (a find that is not there would test the valid file).</summary>
    protected static string Changed(string find, string replace)
    {
        Assert.Contains(find, Valid, StringComparison.Ordinal);
        return Valid.Replace(find, replace, StringComparison.Ordinal);
    }

    /// <summary>The valid file with one change fails at <paramref name="at"/>, naming <paramref name="key"/> and <paramref name="problem"/>.</summary>
    /// <summary>A CA certificate as PEM, for the keys that take a bundle of roots.</summary>
    protected static string SelfSignedPem()
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        using var cert = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=Test Root", key, System.Security.Cryptography.HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return cert.ExportCertificatePem();
    }

    protected void AssertMistake(string find, string replace, string at, string key, string problem) =>
        ConfigFile.AssertError(temp, Changed(find, replace), at, key, problem);
}
