using System.Text;

namespace Rampart.Smtp.Protocol;

/// <summary>
/// The SASL mechanisms AUTH offers (RFC 4954), decoded without I/O so they can be table-tested:
/// PLAIN (RFC 4616) and LOGIN (draft-murchison-sasl-login, what Outlook and most scripts still send).
/// Both carry the password itself, which is why AUTH is only accepted inside TLS.
/// </summary>
public static class Sasl
{
    public const string Plain = "PLAIN";
    public const string Login = "LOGIN";
    /// <summary>RFC 7677; run by the host through <see cref="Session.ISaslServer"/>.</summary>
    public const string ScramSha256 = "SCRAM-SHA-256";

    /// <summary>The base64 of "Username:" and "Password:", the LOGIN challenges every client expects.</summary>
    public const string LoginUserChallenge = "VXNlcm5hbWU6";
    public const string LoginPasswordChallenge = "UGFzc3dvcmQ6";

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <summary>RFC 4954 §4: "*" cancels the exchange.</summary>
    public static bool IsCancel(string line) => line == "*";

    /// <summary>
    /// Decodes one client response. "=" is an empty initial response (RFC 4954 §4); an empty line is an
    /// empty response to a challenge (SCRAM's answer to the server's final message).
    /// </summary>
    public static bool TryDecode(string line, out string text)
    {
        text = "";
        if (line is "=" or "") return true;
        if (line.Length % 4 != 0) return false;
        try
        {
            text = StrictUtf8.GetString(Convert.FromBase64String(line));
            return true;
        }
        catch (Exception ex) when (ex is FormatException or DecoderFallbackException)
        {
            return false;
        }
    }

    /// <summary>RFC 4616 §2: [authzid] NUL authcid NUL passwd. An authzid other than the user is not supported.</summary>
    public static bool TryParsePlain(string message, out string user, out string password)
    {
        user = password = "";
        var parts = message.Split('\0');
        if (parts.Length != 3 || parts[1].Length == 0 || parts[1].Length > 255 || parts[2].Length > 255) return false;
        if (parts[0].Length > 0 && !parts[0].Equals(parts[1], StringComparison.OrdinalIgnoreCase)) return false;
        (user, password) = (parts[1], parts[2]);
        return true;
    }
}
