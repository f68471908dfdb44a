using Rampart.Policy.DkimSigning;

namespace Rampart.Testing;

/// <summary>
/// examples/gateway.yaml signs example.test's outbound mail with a key the README's tour makes
/// (`rampart dkim keygen example.test s2026 --out examples/keys`); a key is never committed, so a test that loads the
/// example first makes the same file, as that step would (mode 0600, never over one already there).
/// </summary>
public static class ExampleDkimKey
{
    public const string Domain = "example.test";
    public const string Selector = "s2026";

    /// <summary>Makes <paramref name="exampleFolder"/>/keys/example.test.s2026.key unless it exists; returns its path.</summary>
    public static string Ensure(string exampleFolder)
    {
        var keys = Directory.CreateDirectory(Path.Combine(exampleFolder, "keys")).FullName;
        var path = Path.Combine(keys, DkimKeyGenerator.FileName(Domain, Selector));
        if (File.Exists(path)) return path;
        // Written whole under another name with its mode (never readable by others, even for a moment), then moved
        // into place without replacing: a parallel test never reads half a key, and the first one made is kept.
        var partial = $"{path}.{Guid.NewGuid():N}";
        using (var file = new FileStream(partial, new FileStreamOptions
        {
            Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            file.Write(DkimKeyGenerator.Bytes(DkimKeyGenerator.Rsa(2048)));
        }
        try
        {
            File.Move(partial, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(partial);
        }
        return path;
    }
}
