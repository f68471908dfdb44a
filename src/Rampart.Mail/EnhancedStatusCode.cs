namespace Rampart.Mail;

/// <summary>RFC 3463 enhanced status code, class.subject.detail (e.g. 5.7.1).</summary>
public readonly record struct EnhancedStatusCode(int Class, int Subject, int Detail)
{
    public override string ToString() => $"{Class}.{Subject}.{Detail}";

    public static EnhancedStatusCode Parse(string text) => TryParse(text, out var status)
        ? status
        : throw new FormatException($"'{text}' is not an enhanced status code (class.subject.detail, RFC 3463)");

    public static bool TryParse(string text, out EnhancedStatusCode status)
    {
        status = default;
        var parts = text.Split('.');
        if (parts.Length != 3 || !int.TryParse(parts[0], out var c) || c is not (2 or 4 or 5)
            || !int.TryParse(parts[1], out var s) || s is < 0 or > 999
            || !int.TryParse(parts[2], out var d) || d is < 0 or > 999)
        {
            return false;
        }
        status = new EnhancedStatusCode(c, s, d);
        return true;
    }

    /// <summary>
    /// The enhanced code a reply's text starts with (<paramref name="token"/>, its first word), taken only when its
    /// class agrees with the basic code (RFC 3463 §2): "250 5.0.0" is nonsense, and such a word stays text. Used
    /// alike for replies read from the wire and from the spool, so both read a reply the same way.
    /// </summary>
    public static bool TryParseFor(int code, string token, out EnhancedStatusCode status)
    {
        status = default;
        return token.Length >= 5 && token[0] - '0' == code / 100 && TryParse(token, out status);
    }
}
