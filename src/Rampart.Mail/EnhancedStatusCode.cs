namespace Rampart.Mail;

/// <summary>RFC 3463 enhanced status code, class.subject.detail (e.g. 5.7.1).</summary>
public readonly record struct EnhancedStatusCode(int Class, int Subject, int Detail)
{
    public override string ToString() => $"{Class}.{Subject}.{Detail}";

    public static EnhancedStatusCode Parse(string text)
    {
        var parts = text.Split('.');
        if (parts.Length != 3 || !int.TryParse(parts[0], out var c) || c is not (2 or 4 or 5)
            || !int.TryParse(parts[1], out var s) || s is < 0 or > 999
            || !int.TryParse(parts[2], out var d) || d is < 0 or > 999)
        {
            throw new FormatException($"'{text}' is not an enhanced status code (class.subject.detail, RFC 3463)");
        }
        return new EnhancedStatusCode(c, s, d);
    }
}
