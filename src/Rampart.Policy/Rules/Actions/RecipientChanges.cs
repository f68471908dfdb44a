using System.Text;
using Rampart.Mail;

namespace Rampart.Policy.Rules.Actions;

/// <summary>
/// What a redirect or an added recipient does to a message's recipient list (<see cref="MessageContext.RedirectTo"/>,
/// <see cref="MessageContext.AddRecipients"/>), with the DSN parameters (RFC 3461) each new recipient carries.
/// </summary>
public static class RecipientChanges
{
    /// <summary>
    /// Whether two addresses are the same recipient as the relay filter sees them: the domain without regard to case
    /// (and to a trailing dot), the local part as written (RFC 5321 §2.4: only the destination host may fold it),
    /// except a bare or domain "postmaster", which is case-insensitive everywhere (§4.5.1).
    /// </summary>
    public static bool SameAddress(string a, string b)
    {
        int atA = a.LastIndexOf('@'), atB = b.LastIndexOf('@');
        var localA = atA < 0 ? a : a[..atA];
        var localB = atB < 0 ? b : b[..atB];
        var domainA = atA < 0 ? "" : a[(atA + 1)..].TrimEnd('.');
        var domainB = atB < 0 ? "" : b[(atB + 1)..].TrimEnd('.');
        if (!domainA.Equals(domainB, StringComparison.OrdinalIgnoreCase)) return false;
        bool postmaster = localA.Equals("postmaster", StringComparison.OrdinalIgnoreCase);
        return postmaster ? localB.Equals("postmaster", StringComparison.OrdinalIgnoreCase) : localA.Equals(localB, StringComparison.Ordinal);
    }

    /// <summary>RFC 5321 §4.5.3.1.3: a path is at most 256 octets, so a mailbox in it at most 254.</summary>
    public const int MaxAddress = 254;

    /// <summary>
    /// Null when <paramref name="address"/> can go into a RCPT TO as it is: local part and domain, no space or
    /// control character (a CR or LF would put a command of its own on the next hop's wire), no angle bracket, at most
    /// <see cref="MaxAddress"/> characters; otherwise why not. The rules' configuration checks its addresses with it,
    /// and the context checks every recipient a filter gives it again, whoever the filter is.
    /// </summary>
    public static string? Problem(string? address)
    {
        if (string.IsNullOrEmpty(address)) return "an address is empty";
        if (address.Length > MaxAddress) return $"an address is longer than {MaxAddress} characters";
        if (address.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c is '<' or '>' or ',' or ';' or '"' or '\\'))
        {
            return "an address holds a space, a control character or one of < > , ; \" \\";
        }
        int at = address.LastIndexOf('@');
        if (at <= 0 || at == address.Length - 1) return "an address needs a local part and a domain (local@domain)";
        if (address.IndexOf('@') != at) return "an address has more than one @ (a quoted local part is not taken)";
        var domain = address[(at + 1)..];
        if (domain.StartsWith('.') || domain.EndsWith("..", StringComparison.Ordinal) || domain.Contains("..", StringComparison.Ordinal))
        {
            return "an address has a malformed domain";
        }
        return null;
    }

    /// <summary>
    /// The recipient, when its address can go into a RCPT TO of this message: besides <see cref="Problem"/>, a
    /// non-ASCII address only when the sender's MAIL FROM had SMTPUTF8 (<paramref name="smtpUtf8"/>): without it,
    /// delivery would write raw UTF-8 in a RCPT TO of a transaction that did not ask for it (RFC 6531 §3.4).
    /// </summary>
    private static Recipient Checked(Recipient? r, bool smtpUtf8)
    {
        ArgumentNullException.ThrowIfNull(r);
        if (Problem(r.Address) is { } problem) throw new ArgumentException($"{problem}: {Mail.LogText.Escape(r.Address ?? "")}");
        if (!smtpUtf8 && !Ascii.IsValid(r.Address))
        {
            throw new ArgumentException($"an address is not ASCII and the message was not sent with SMTPUTF8 (RFC 6531): {Mail.LogText.Escape(r.Address)}");
        }
        return r;
    }

    /// <summary>
    /// The current recipients and then <paramref name="added"/> (see <see cref="MessageContext.AddRecipients"/>);
    /// <paramref name="smtpUtf8"/>: whether the message's MAIL FROM had SMTPUTF8, without which a non-ASCII address is refused.
    /// </summary>
    public static IReadOnlyList<Recipient> Add(IReadOnlyList<Recipient> current, IReadOnlyList<Recipient> added, bool smtpUtf8 = false)
    {
        var result = current.ToList();
        foreach (var given in added)
        {
            var r = Checked(given, smtpUtf8);
            if (result.Any(x => SameAddress(x.Address, r.Address))) continue;
            // A blind copy or a journal is not the sender's business: no notice about it may reach them.
            result.Add(r.Notify == DsnNotify.Unspecified ? r with { Notify = DsnNotify.Never } : r);
        }
        return result;
    }

    /// <summary>
    /// <paramref name="targets"/> in place of the current recipients (see <see cref="MessageContext.RedirectTo"/>);
    /// <paramref name="smtpUtf8"/> as for <see cref="Add"/>.
    /// </summary>
    public static IReadOnlyList<Recipient> Redirect(IReadOnlyList<Recipient> current, IReadOnlyList<Recipient> targets, bool smtpUtf8 = false)
    {
        var notify = Inherited(current.Count > 0 && current.All(r => r.Notify == current[0].Notify) ? current[0].Notify : DsnNotify.Unspecified);
        var orcpt = current.Count == 1 ? current[0].OriginalRecipient ?? OriginalOf(current[0].Address) : null;
        var result = new List<Recipient>();
        foreach (var given in targets)
        {
            var t = Checked(given, smtpUtf8);
            if (result.Any(x => SameAddress(x.Address, t.Address))) continue;
            result.Add(t with
            {
                Notify = t.Notify == DsnNotify.Unspecified ? notify : t.Notify,
                OriginalRecipient = t.OriginalRecipient ?? orcpt,
            });
        }
        return result;
    }

    /// <summary>
    /// The NOTIFY a redirect target takes from the recipient it replaces, without SUCCESS: a success notice names the
    /// recipient that took the message (RFC 3464 Final-Recipient), so it would tell the sender where a compliance
    /// redirect sent their mail (review@...). FAILURE and DELAY stay (the sender still learns the mail did not arrive,
    /// under the ORCPT they wrote); NEVER stays NEVER, and SUCCESS alone becomes NEVER (the sender asked for no
    /// failure notice).
    /// </summary>
    private static DsnNotify Inherited(DsnNotify notify)
    {
        if (!notify.HasFlag(DsnNotify.Success)) return notify;
        var rest = notify & ~DsnNotify.Success;
        return rest == DsnNotify.Unspecified ? DsnNotify.Never : rest;
    }

    /// <summary>RFC 3461 §4.2's ORCPT for an address given without one, in the decoded form the queue keeps ("rfc822;a@b", RFC 6533's "utf-8;").</summary>
    private static string OriginalOf(string address) => (Ascii.IsValid(address) ? "rfc822;" : "utf-8;") + address;
}
