namespace Rampart.Mail;

/// <summary>
/// A reply the server sends: basic code, enhanced code (RFC 2034: every reply carries one once
/// ENHANCEDSTATUSCODES is on; null only where RFC 2034 §4 exempts the greeting and the HELO/EHLO
/// replies) and one or more text lines.
/// Filters build these; only the SMTP engine turns them into bytes.
/// </summary>
public sealed record SmtpReply(int Code, EnhancedStatusCode? Status, IReadOnlyList<string> Lines)
{
    public SmtpReply(int code, EnhancedStatusCode? status, string text) : this(code, status, [text]) { }

    public SmtpReply(int code, string status, string text) : this(code, EnhancedStatusCode.Parse(status), [text]) { }

    /// <summary>A reply without enhanced code: only the greeting and HELO/EHLO (RFC 2034 §4).</summary>
    public static SmtpReply Plain(int code, string text) => new(code, (EnhancedStatusCode?)null, [text]);

    public bool IsPositive => Code is >= 200 and < 400;

    public string Text => string.Join(" / ", Lines);

    public override string ToString() => Status is null ? $"{Code} {Text}" : $"{Code} {Status} {Text}";
}
