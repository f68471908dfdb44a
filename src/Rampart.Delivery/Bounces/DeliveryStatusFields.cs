using System.Globalization;
using System.Text;
using MimeKit.Utils;

namespace Rampart.Delivery.Bounces;

/// <summary>
/// The body of the message/delivery-status part (RFC 3464 §2.2, §2.3): one per-message group, then one
/// group per recipient, separated by empty lines. Written by hand rather than through MimeKit's
/// StatusGroups so that no value is RFC 2047-encoded (DSN fields are not unstructured text) and every
/// value from the outside is stripped of line breaks before it becomes a field.
/// </summary>
internal static class DeliveryStatusFields
{
    /// <summary>RFC 5322 §2.1.1 asks for lines within 78 characters; longer values are folded at spaces.</summary>
    private const int FoldAt = 78;

    /// <param name="international">
    /// message/global-delivery-status (RFC 6533 §3): UTF-8 is allowed in values and a non-ASCII
    /// address is typed "utf-8"; otherwise anything non-ASCII becomes '?'.
    /// </param>
    public static byte[] Build(DeliveryReport report, bool international)
    {
        var text = new StringBuilder();
        Field(text, "Reporting-MTA", $"dns; {report.ReportingMta}", international);
        if (!string.IsNullOrEmpty(report.QueueId)) Field(text, "X-Rampart-Queue-ID", report.QueueId, international);
        if (report.OriginalSender.EnvelopeId is { } envid) Field(text, "Original-Envelope-Id", envid, international);
        Field(text, "Arrival-Date", DateUtils.FormatDate(report.ArrivalDate), international);

        foreach (var r in report.Recipients)
        {
            text.Append("\r\n");
            // RFC 3464 §2.3.1: only when the client gave ORCPT, exactly as given (decoded from xtext).
            if (r.Recipient.OriginalRecipient is { } orcpt) Field(text, "Original-Recipient", OriginalRecipient(orcpt, international), international);
            Field(text, "Final-Recipient", $"{AddressType(r.Recipient.Address, international)}; {r.Recipient.Address}", international);
            Field(text, "Action", ActionName(r.Action), international);
            Field(text, "Status", r.Status, international);
            if (r.RemoteMta is { Length: > 0 } mta) Field(text, "Remote-MTA", $"dns; {mta}", international);
            // The reply becomes text here, in the notice, and nowhere before.
            if (r.Diagnostic is { } diagnostic) Field(text, "Diagnostic-Code", $"smtp; {diagnostic}", international);
            Field(text, "Last-Attempt-Date", DateUtils.FormatDate(r.LastAttempt), international);
            if (r.Action == DsnAction.Delayed && r.WillRetryUntil is { } until)
            {
                Field(text, "Will-Retry-Until", DateUtils.FormatDate(until), international);
            }
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    public static string ActionName(DsnAction action) => action switch
    {
        DsnAction.Failed => "failed",
        DsnAction.Delayed => "delayed",
        DsnAction.Delivered => "delivered",
        DsnAction.Relayed => "relayed",
        DsnAction.Expanded => "expanded",
        _ => throw new ArgumentOutOfRangeException(nameof(action)),
    };

    /// <summary>
    /// RFC 6533 §3: a "utf-8" original recipient in a plain message/delivery-status is written in its 7-bit
    /// utf-8-addr-xtext form; otherwise it would reach the sender with its non-ASCII letters as '?'.
    /// </summary>
    private static string OriginalRecipient(string orcpt, bool international) =>
        !international && orcpt.StartsWith("utf-8;", StringComparison.OrdinalIgnoreCase)
            ? "utf-8;" + Smtp.EnvelopeCommands.Utf8AddressXText(orcpt[6..])
            : orcpt;

    private static string AddressType(string address, bool international) =>
        international && !Ascii.IsValid(address) ? "utf-8" : "rfc822";

    private static void Field(StringBuilder text, string name, string value, bool international) =>
        text.Append(Fold($"{name}: {Clean(value, international)}")).Append("\r\n");

    /// <summary>
    /// Breaks a line before spaces so that its pieces stay near <see cref="FoldAt"/>; each piece after
    /// the first starts with that space (an RFC 5322 §2.2.3 continuation). A run without spaces stays whole.
    /// </summary>
    public static string Fold(string line)
    {
        var text = new StringBuilder();
        while (line.Length > FoldAt)
        {
            int space = line.LastIndexOf(' ', FoldAt);
            // Never fold at the very start (a field's first space or a continuation's own): search on instead.
            if (space <= line.IndexOf(' ')) space = line.IndexOf(' ', Math.Max(line.IndexOf(' ') + 1, FoldAt));
            if (space < 0) break;
            text.Append(line.AsSpan(0, space)).Append("\r\n");
            line = line[space..];
        }
        return text.Append(line).ToString();
    }

    /// <summary>
    /// Longest run without a space, in UTF-8 octets. Folding breaks only at spaces, so a longer run (a reply of one
    /// 5,000-character word) would make a line past RFC 5322 §2.1.1's 998 octets; with the longest field name in
    /// front, 900 stays within it. No real reply has a word this long.
    /// </summary>
    public const int MaxRunOctets = 900;

    /// <summary>
    /// Outside text (a next hop's reply, its host name, an address) made safe for a notice field or line. CR, LF and
    /// TAB become spaces, so the text cannot start a field of its own (header injection). Every other control (C0,
    /// DEL, C1: ESC sequences rewrite a terminal), bidi control (U+061C, U+200E/F, U+202A-U+202E, U+2066-U+2069: the
    /// text would read differently from what it holds), line or paragraph separator, lone surrogate, and the other
    /// invisible format characters (tag characters can hide a whole text) become '?'. The zero-width joiner and
    /// non-joiner stay: RFC 6531 local parts may need them (AddressParser). Without <paramref name="international"/>
    /// anything non-ASCII becomes '?' too. A run without spaces longer than <see cref="MaxRunOctets"/> is cut, marked "[...]".
    /// </summary>
    public static string Clean(string value, bool international)
    {
        var sb = new StringBuilder(value.Length);
        foreach (var rune in value.EnumerateRunes())
        {
            if (rune.Value is '\r' or '\n' or '\t') sb.Append(' ');
            else if (IsUnsafe(rune) || (!international && !rune.IsAscii)) sb.Append('?');
            else sb.Append(rune.ToString());
        }
        return string.Join(' ', sb.ToString().Trim().Split(' ').Select(Cut));
    }

    /// <summary>EnumerateRunes gives a lone surrogate as U+FFFD, which is harmless and so kept.</summary>
    private static bool IsUnsafe(Rune rune) =>
        rune.Value is not (0x200C or 0x200D) && Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    private static string Cut(string run)
    {
        if (Encoding.UTF8.GetByteCount(run) <= MaxRunOctets) return run;
        const string Mark = "[...]";
        var sb = new StringBuilder();
        int octets = 0;
        foreach (var rune in run.EnumerateRunes())
        {
            octets += rune.Utf8SequenceLength;
            if (octets > MaxRunOctets - Mark.Length) break;
            sb.Append(rune.ToString());
        }
        return sb.Append(Mark).ToString();
    }
}
