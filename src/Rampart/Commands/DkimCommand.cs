using System.CommandLine;
using Rampart.Policy.DkimSigning;
using Rampart.Policy.Names;
using Rampart.Smtp.Protocol;

namespace Rampart.Commands;

/// <summary>
/// `rampart dkim keygen DOMAIN SELECTOR`: writes a new private key (mode 0600, never over an existing file without
/// --force) to DIR/DOMAIN.SELECTOR.key and prints the DNS TXT record to publish and the dkim_signing YAML to add.
/// Exit codes: 0 written, 1 the file exists, 2 bad arguments or the file cannot be written.
/// </summary>
public static class DkimCommand
{
    public static Command Create()
    {
        var command = new Command("dkim", "DKIM signing keys");
        command.Subcommands.Add(KeyGen());
        return command;
    }

    private static Command KeyGen()
    {
        var domainArgument = new Argument<string>("domain") { Description = "The sender domain the key signs for (the header From's)" };
        var selectorArgument = new Argument<string>("selector") { Description = "The selector: the key is published at SELECTOR._domainkey.DOMAIN" };
        var algorithm = new Option<string>("--algorithm") { Description = "rsa (rsa-sha256, understood everywhere) or ed25519 (ed25519-sha256, RFC 8463)", DefaultValueFactory = _ => "rsa" };
        algorithm.AcceptOnlyFromAmong("rsa", "ed25519");
        var bits = new Option<int>("--bits") { Description = "RSA key length: 1024-4096 (2048 advised; 4096 records need several strings)", DefaultValueFactory = _ => DkimKeyFile.AdvisedBits };
        var outDir = new Option<DirectoryInfo>("--out") { Description = "The folder to write DOMAIN.SELECTOR.key in (default: the current folder)" };
        var force = new Option<bool>("--force") { Description = "Replace an existing key file (its old key is lost)" };
        var command = new Command("keygen", "Make a signing key, print its DNS TXT record and the configuration to add")
        {
            domainArgument, selectorArgument, algorithm, bits, outDir, force,
        };
        command.SetAction(result =>
        {
            var domain = LookupName.Normalise(result.GetValue(domainArgument));
            var selector = result.GetValue(selectorArgument)!.ToLowerInvariant();
            if (domain is null || !AddressParser.IsDomain(domain)) return Fail(2, $"'{result.GetValue(domainArgument)}' is not a domain name");
            if (!AddressParser.IsDomain(selector + ".x")) return Fail(2, $"'{selector}' is not a selector: letters, digits, '-' and '.'");
            var ed25519 = result.GetValue(algorithm) == "ed25519";
            var length = result.GetValue(bits);
            if (!ed25519 && length is < DkimKeyFile.MinimumBits or > 4096) return Fail(2, $"--bits {length}: from {DkimKeyFile.MinimumBits} to 4096");
            var folder = result.GetValue(outDir)?.FullName ?? Directory.GetCurrentDirectory();
            var path = Path.Combine(folder, DkimKeyGenerator.FileName(domain, selector));
            if (File.Exists(path) && !result.GetValue(force)) return Fail(1, $"{path} exists: give --force to replace it (its key is then lost)");

            var key = ed25519 ? DkimKeyGenerator.Ed25519() : DkimKeyGenerator.Rsa(length);
            try
            {
                Directory.CreateDirectory(folder);
                Write(path, DkimKeyGenerator.Bytes(key), result.GetValue(force));
            }
            catch (IOException) when (!result.GetValue(force) && File.Exists(path))
            {
                // Made between the check above and the move: kept, as without --force it always is.
                return Fail(1, $"{path} exists: give --force to replace it (its key is then lost)");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return Fail(2, $"cannot write {path}: {e.Message}");
            }
            Console.WriteLine($"; private key written to {path} (mode 0600)");
            Console.WriteLine("; publish this record in the domain's zone:");
            Console.WriteLine(key.ZoneLine(domain, selector));
            Console.WriteLine();
            Console.WriteLine("# and add to the configuration (a second selector, sign: false, is the next key of a rotation):");
            Console.WriteLine("dkim_signing:");
            Console.WriteLine("  domains:");
            Console.WriteLine($"    {domain}:");
            Console.WriteLine("      selectors:");
            // Single-quoted: a path may hold ': ', '#' or a quote, which a plain YAML scalar would misread.
            Console.WriteLine($"        {selector}: {{ key: '{path.Replace("'", "''", StringComparison.Ordinal)}' }}");
            return 0;
        });
        return command;
    }

    /// <summary>
    /// Created 0600 from the start (never readable by others, not even for a moment); only --force replaces an existing
    /// file, also one made after the caller's check (the move then throws). The temporary file never stays behind.
    /// </summary>
    private static void Write(string path, byte[] bytes, bool force)
    {
        var temporary = path + ".new";
        try
        {
            using (var file = Rampart.Queue.OwnerOnly.CreateFresh(temporary, FileShare.None, 4096))
            {
                file.Write(bytes);
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: force);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static int Fail(int code, string message)
    {
        Console.Error.WriteLine($"rampart dkim keygen: {message}");
        return code;
    }
}
