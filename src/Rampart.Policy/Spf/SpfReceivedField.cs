using System.Text;

namespace Rampart.Policy.Spf;

/// <summary>
/// The Received-SPF header field of RFC 7208 §9.1 for one outcome, for the message stage to prepend (or for an
/// Authentication-Results entry, RFC 8601 §2.7.2, to take its values from). Values from outside are quoted.
/// </summary>
public static class SpfReceivedField
{
    public static string Format(SpfOutcome outcome, SpfRequest request, string receiver)
    {
        var result = outcome.Result.ToString().ToLowerInvariant();
        var sb = new StringBuilder("Received-SPF: ").Append(result)
            .Append(" (").Append(receiver).Append(": ").Append(Comment(outcome.Reason)).Append(')')
            .Append(" client-ip=").Append(request.Client)
            .Append("; envelope-from=").Append(Quoted(request.MailFrom))
            .Append("; helo=").Append(Quoted(request.Helo))
            .Append("; receiver=").Append(receiver)
            .Append("; identity=").Append(request.MailFrom.Length == 0 ? "helo" : "mailfrom")
            .Append(';');
        return sb.ToString();
    }

    /// <summary>A quoted-string (RFC 5322 §3.2.4): printable ASCII, quote and backslash escaped.</summary>
    private static string Quoted(string value) =>
        "\"" + PrintableText.Cut(value, 255).Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    /// <summary>A comment's text: no parentheses or backslashes to balance.</summary>
    private static string Comment(string value) =>
        PrintableText.Cut(value, 200).Replace('(', '[').Replace(')', ']').Replace('\\', '/');
}
