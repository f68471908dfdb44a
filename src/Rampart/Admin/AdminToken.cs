using System.Security.Cryptography;
using System.Text;
using Rampart.Configuration;
using Rampart.Queue;

namespace Rampart.Admin;

/// <summary>
/// The one bearer token of the admin API, kept in a file only the gateway's user (and root) can read: whoever may
/// read the data folder may operate the gateway, as with postqueue and the queue. 32 random bytes, so guessing it is
/// hopeless and no lockout is needed.
/// </summary>
public sealed class AdminToken
{
    private const int RandomBytes = 32;

    // Shorter than this is typed by a person, not made by us: refused rather than trusted.
    private const int MinimumLength = 20;

    private readonly byte[] expected;

    private AdminToken(string value)
    {
        Value = value;
        expected = Encoding.ASCII.GetBytes(value);
    }

    public string Value { get; }

    /// <summary>The file's token, or a new one written 0600 when the file does not exist yet.</summary>
    public static AdminToken LoadOrCreate(string path, out bool created)
    {
        created = false;
        if (!File.Exists(path))
        {
            var fresh = Base64Url(RandomNumberGenerator.GetBytes(RandomBytes));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!, OwnerOnly.DirectoryMode);
            try
            {
                using var stream = OwnerOnly.Open(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
                stream.Write(Encoding.ASCII.GetBytes(fresh + "\n"));
                stream.Flush(flushToDisk: true);
                created = true;
                return new AdminToken(fresh);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process made it first: read theirs.
            }
        }
        return Load(path);
    }

    /// <summary>For the CLI: the running gateway's token, or an error that names the file.</summary>
    public static AdminToken Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"{path}: cannot read the admin token: {ex.Message}");
        }
        if (text.Length < MinimumLength || text.Any(c => c is <= ' ' or > '~'))
        {
            throw new ConfigException($"{path}: the admin token must be one line of at least {MinimumLength} printable ASCII characters; delete the file to have a new one made at the next start");
        }
        return new AdminToken(text);
    }

    /// <summary>Constant time, so that the time of a refusal says nothing about how much of a guess was right.</summary>
    public bool Matches(string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(presented), expected);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
