using System.Globalization;
using System.Text;
using Rampart.Mail;

namespace Rampart.Delivery.Smtp;

/// <summary>
/// MAIL and RCPT lines with the ESMTP parameters the next hop offered: SIZE (RFC 1870), BODY (RFC 6152, RFC 3030),
/// SMTPUTF8 (RFC 6531) and the DSN parameters (RFC 3461), which are only forwarded when DSN is offered (§4.1:
/// a client must not send them otherwise; the gateway then owes the DSNs itself).
/// </summary>
internal static class EnvelopeCommands
{
    public static string Mail(Sender sender, SmtpCapabilities caps, long size, BodyType body)
    {
        var line = new StringBuilder("MAIL FROM:<").Append(sender.Address).Append('>');
        if (caps.Size) line.Append(" SIZE=").Append(size.ToString(CultureInfo.InvariantCulture));
        if (body == BodyType.EightBitMime) line.Append(" BODY=8BITMIME");
        if (body == BodyType.BinaryMime) line.Append(" BODY=BINARYMIME");
        if (sender.SmtpUtf8 && caps.SmtpUtf8) line.Append(" SMTPUTF8");
        // RFC 8689 §4.2.1: passed on; the delivery session never sends a REQUIRETLS message to a host without it.
        if (sender.RequireTls && caps.RequireTls) line.Append(" REQUIRETLS");
        if (caps.Dsn)
        {
            if (sender.Ret == DsnReturn.Full) line.Append(" RET=FULL");
            if (sender.Ret == DsnReturn.Headers) line.Append(" RET=HDRS");
            if (Envid(sender.EnvelopeId) is { } envid) line.Append(" ENVID=").Append(envid);
        }
        return line.ToString();
    }

    public static string Rcpt(Recipient recipient, SmtpCapabilities caps)
    {
        var line = new StringBuilder("RCPT TO:<").Append(recipient.Address).Append('>');
        if (!caps.Dsn) return line.ToString();
        if (recipient.Notify != DsnNotify.Unspecified) line.Append(" NOTIFY=").Append(Notify(recipient.Notify));
        if (Orcpt(recipient.OriginalRecipient) is { } orcpt) line.Append(" ORCPT=").Append(orcpt);
        return line.ToString();
    }

    /// <summary>
    /// The inbound parser keeps ORCPT validated and decoded as "rfc822;address" or "utf-8;address"; it goes out
    /// re-encoded from that (RFC 3461 §4.2), never as the client wrote it. "utf-8" is always sent in RFC 6533's
    /// 7-bit utf-8-addr-xtext form, which §3 allows whether or not the next hop offers SMTPUTF8. Anything else
    /// (a spool written before the types were checked) is left out rather than passed on unchecked.
    /// </summary>
    internal static string? Orcpt(string? original)
    {
        if (original is null || original.IndexOf(';') is not (> 0 and var semi)) return null;
        var address = original[(semi + 1)..];
        if (address.Length == 0 || address.Any(char.IsControl)) return null;
        return original[..semi].ToLowerInvariant() switch
        {
            "rfc822" when Ascii.IsValid(address) => "rfc822;" + XTextEncode(address),
            "utf-8" => "utf-8;" + Utf8AddressXText(address),
            _ => null,
        };
    }

    /// <summary>
    /// RFC 3461 §4.4: the inbound parser keeps the ENVID decoded and printable US-ASCII; it goes out in our own xtext.
    /// A value that is not (a spool written before the check) is left out rather than passed on re-encoded into
    /// something the sender never sent.
    /// </summary>
    internal static string? Envid(string? envid) =>
        Sender.IsValidEnvelopeId(envid) ? XTextEncode(envid!) : null;

    /// <summary>RFC 6533 §3 utf-8-addr-xtext: QCHAR as is, every other character as "\x{HEX}" (two digits at least).</summary>
    public static string Utf8AddressXText(string address)
    {
        var sb = new StringBuilder(address.Length);
        foreach (var rune in address.EnumerateRunes())
        {
            if (rune.Value is >= '!' and <= '~' and not '+' and not '=' and not '\\') sb.Append((char)rune.Value);
            else sb.Append("\\x{").Append(rune.Value.ToString(rune.Value < 0x100 ? "X2" : "X", CultureInfo.InvariantCulture)).Append('}');
        }
        return sb.ToString();
    }

    private static string Notify(DsnNotify notify)
    {
        if (notify.HasFlag(DsnNotify.Never)) return "NEVER";
        var parts = new List<string>(3);
        if (notify.HasFlag(DsnNotify.Success)) parts.Add("SUCCESS");
        if (notify.HasFlag(DsnNotify.Failure)) parts.Add("FAILURE");
        if (notify.HasFlag(DsnNotify.Delay)) parts.Add("DELAY");
        return string.Join(',', parts);
    }

    /// <summary>RFC 3461 §4: printable ASCII except '+' and '=' as is, everything else (UTF-8 octets too) as "+HH".</summary>
    public static string XTextEncode(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (var octet in Encoding.UTF8.GetBytes(value))
        {
            if (octet is >= (byte)'!' and <= (byte)'~' and not (byte)'+' and not (byte)'=') sb.Append((char)octet);
            else sb.Append('+').Append(octet.ToString("X2", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }
}
