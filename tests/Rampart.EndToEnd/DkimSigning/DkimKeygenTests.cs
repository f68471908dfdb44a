using System.Text.RegularExpressions;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Rampart.Testing;
using Rampart.Testing.Processes;
using Xunit;

namespace Rampart.EndToEnd.DkimSigning;

/// <summary>`rampart dkim keygen` through the built program, and the keys it makes checked by the configuration and by a signature.</summary>
public sealed class DkimKeygenTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("rsa", "k=rsa")]
    [InlineData("ed25519", "k=ed25519")]
    public async Task Keygen_writes_a_0600_key_refuses_to_overwrite_it_and_prints_a_record_that_verifies_its_signature(string algorithm, string keyType)
    {
        using var temp = new TempDirectory("rampart-keygen");
        await using var made = await RampartProcess.RunRampartAsync(["dkim", "keygen", "Example.TEST", "s2026", "--algorithm", algorithm, "--out", temp.Path], Timeout);
        Assert.True(made.ExitCode == 0, made.Describe());
        var path = temp.File("example.test.s2026.key");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Contains($"s2026._domainkey.example.test. IN TXT \"v=DKIM1; {keyType}; p=", made.Stdout, StringComparison.Ordinal);
        Assert.Contains($"s2026: {{ key: '{path}' }}", made.Stdout, StringComparison.Ordinal); // quoted: YAML-safe whatever the path

        // The record: character-strings of at most 255, joined by a verifier (RFC 6376 §3.6.2.2).
        var line = made.Stdout.Split('\n').Single(l => l.Contains("IN TXT", StringComparison.Ordinal));
        var strings = Regex.Matches(line, "\"([^\"]*)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.All(strings, s => Assert.True(s.Length <= 255));
        var record = string.Concat(strings);

        var before = await File.ReadAllTextAsync(path);
        var beforeBytes = await File.ReadAllBytesAsync(path);
        await using (var again = await RampartProcess.RunRampartAsync(["dkim", "keygen", "example.test", "s2026", "--algorithm", algorithm, "--out", temp.Path], Timeout))
        {
            Assert.True(again.ExitCode == 1, again.Describe());
            Assert.Contains("--force", again.Stderr, StringComparison.Ordinal);
        }
        Assert.Equal(beforeBytes, await File.ReadAllBytesAsync(path)); // kept byte for byte
        Assert.Equal([path], Directory.GetFiles(temp.Path)); // no temporary file left behind

        // The key signs (as the gateway would: the configuration reads it), and the printed record verifies it.
        var config = temp.File("rampart.yaml");
        await File.WriteAllTextAsync(config, $"listeners:\n  out: {{role: outbound, address: 127.0.0.1, port: 0, relay_networks: [127.0.0.0/8]}}\n"
            + $"dkim_signing:\n  domains:\n    example.test:\n      selectors:\n        s2026: {{key: {path}}}\n");
        await using (var check = await RampartProcess.RunRampartAsync(["check-config", "--config", config], Timeout))
        {
            Assert.True(check.ExitCode == 0, check.Describe());
            Assert.Contains("dkim_signing example.test: selector s2026", check.Stdout, StringComparison.Ordinal);
        }
        var options = Rampart.Configuration.ConfigLoader.Load(config, []);
        var key = options.DkimSigning!.Domains["example.test"].Keys[0];
        var message = new MimeMessage { Subject = "s", Body = new TextPart("plain") { Text = "hi" } };
        message.From.Add(new MailboxAddress("", "a@example.test"));
        message.To.Add(new MailboxAddress("", "b@remote.test"));
        new DkimSigner(key.PrivateKey, "example.test", "s2026", key.Algorithm).Sign(message, [HeaderId.From, HeaderId.Subject]);
        var verifier = new DkimVerifier(new RecordLocator(record));
        verifier.Enable(DkimSignatureAlgorithm.Ed25519Sha256);
        Assert.True(await verifier.VerifyAsync(message, message.Headers.First(h => h.Id == HeaderId.DkimSignature)));

        await using var forced = await RampartProcess.RunRampartAsync(["dkim", "keygen", "example.test", "s2026", "--algorithm", algorithm, "--out", temp.Path, "--force"], Timeout);
        Assert.True(forced.ExitCode == 0, forced.Describe());
        Assert.NotEqual(before, await File.ReadAllTextAsync(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public async Task A_key_others_may_read_or_too_short_is_a_configuration_error_naming_file_line_and_key()
    {
        using var temp = new TempDirectory("rampart-keygen-bad");
        await using (var made = await RampartProcess.RunRampartAsync(["dkim", "keygen", "example.test", "open", "--out", temp.Path], Timeout))
        {
            Assert.True(made.ExitCode == 0, made.Describe());
        }
        var path = temp.File("example.test.open.key");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var config = temp.File("rampart.yaml");
        await File.WriteAllTextAsync(config, $"listeners:\n  out: {{role: outbound, address: 127.0.0.1, port: 0, relay_networks: [127.0.0.0/8]}}\n"
            + $"dkim_signing:\n  domains:\n    example.test:\n      selectors:\n        open:\n          key: {path}\n");
        var error = Assert.Throws<Rampart.Configuration.ConfigException>(() => Rampart.Configuration.ConfigLoader.Load(config, []));
        Assert.Contains($"{config}:8:", error.Message, StringComparison.Ordinal);
        Assert.Contains("dkim_signing.domains.example.test.selectors.open.key", error.Message, StringComparison.Ordinal);
        Assert.Contains("read or written by others", error.Message, StringComparison.Ordinal);

        await using (var weak = await RampartProcess.RunRampartAsync(["dkim", "keygen", "example.test", "weak", "--bits", "512", "--out", temp.Path], Timeout))
        {
            Assert.True(weak.ExitCode == 2, weak.Describe());
        }
    }

    private sealed class RecordLocator(string record) : DkimPublicKeyLocatorBase
    {
        public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken ct = default) => GetPublicKey(record);

        public override Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken ct = default) =>
            Task.FromResult(GetPublicKey(record));
    }
}
