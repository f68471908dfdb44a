using System.Text;
using Rampart.Mail;

namespace Rampart.Smtp.Protocol;

/// <summary>
/// Turns one command line (without its CRLF) into a <see cref="SmtpCommand"/> (RFC 5321 §4.1).
/// Hand-written because it is the product's core and must be strict about what it accepts:
/// every byte of an address is checked against the RFC 5321 grammar (RFC 6531 for UTF-8).
/// </summary>
public static class CommandParser
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    public static ParseResult Parse(ReadOnlySpan<byte> line)
    {
        if (line.IndexOf((byte)0) >= 0) return ParseResult.Fail(CommandError.NulInLine);

        int space = line.IndexOf((byte)' ');
        var verb = space < 0 ? line : line[..space];
        var rest = space < 0 ? [] : line[(space + 1)..];

        if (Is(verb, "EHLO"u8)) return ParseHelo(rest, extended: true);
        if (Is(verb, "HELO"u8)) return ParseHelo(rest, extended: false);
        if (Is(verb, "MAIL"u8)) return ParseMail(rest);
        if (Is(verb, "RCPT"u8)) return ParseRcpt(rest);
        if (Is(verb, "DATA"u8)) return NoArgs(rest, new SmtpCommand.Data());
        if (Is(verb, "BDAT"u8)) return ParseBdat(rest);
        if (Is(verb, "RSET"u8)) return NoArgs(rest, new SmtpCommand.Rset());
        // RFC 5321 §4.1.1.9: NOOP may carry a string, which is ignored.
        if (Is(verb, "NOOP"u8)) return ParseResult.Ok(new SmtpCommand.Noop());
        if (Is(verb, "QUIT"u8)) return NoArgs(rest, new SmtpCommand.Quit());
        if (Is(verb, "VRFY"u8)) return ParseResult.Ok(new SmtpCommand.Vrfy());
        if (Is(verb, "HELP"u8)) return ParseResult.Ok(new SmtpCommand.Help());
        if (Is(verb, "STARTTLS"u8)) return NoArgs(rest, new SmtpCommand.StartTls());
        if (Is(verb, "AUTH"u8)) return ParseAuth(rest);
        if (Is(verb, "EXPN"u8) || Is(verb, "TURN"u8) || Is(verb, "ETRN"u8) || Is(verb, "ATRN"u8) || Is(verb, "SEND"u8)
            || Is(verb, "SOML"u8) || Is(verb, "SAML"u8))
        {
            return ParseResult.Ok(new SmtpCommand.NotImplemented(Encoding.ASCII.GetString(verb).ToUpperInvariant()));
        }
        if (Is(verb, "GET"u8) || Is(verb, "POST"u8) || Is(verb, "PUT"u8) || Is(verb, "HEAD"u8) || Is(verb, "CONNECT"u8))
        {
            return ParseResult.Ok(new SmtpCommand.Forbidden(Encoding.ASCII.GetString(verb).ToUpperInvariant()));
        }
        return ParseResult.Fail(CommandError.UnknownCommand);
    }

    private static bool Is(ReadOnlySpan<byte> verb, ReadOnlySpan<byte> name) =>
        verb.Length == name.Length && Ascii.EqualsIgnoreCase(verb, name);

    private static ParseResult NoArgs(ReadOnlySpan<byte> rest, SmtpCommand command) =>
        rest.Trim((byte)' ').IsEmpty ? ParseResult.Ok(command) : ParseResult.Fail(CommandError.NoArgumentsExpected);

    private static ParseResult ParseHelo(ReadOnlySpan<byte> rest, bool extended)
    {
        if (!TryDecode(rest, out var text)) return ParseResult.Fail(CommandError.InvalidUtf8);
        // Many real clients add words after the name (RFC 5321 §4.1.1.1 allows none); the name alone is kept.
        var name = text.Trim().Split(' ', 2)[0];
        if (name.Length == 0 || name.Length > 255 || name.Any(char.IsControl)) return ParseResult.Fail(CommandError.HeloSyntax);
        // RFC 5321 §4.1.1.1: a bracketed name is an address literal, and then a strict one (no "[010.0.0.1]").
        if (name.StartsWith('[') && !AddressParser.IsAddressLiteral(name)) return ParseResult.Fail(CommandError.HeloAddressLiteral);
        // An ASCII name is taken as sent (Windows hosts say "MY_PC"; the Received field quotes what is odd), but a
        // non-ASCII one can only be an RFC 6531 U-label name, and then a valid one: no bidi or format character to
        // make it display as another host, no ';' or '(' hidden beside a letter that IDNA maps.
        if (name.Any(c => c > 127) && !AddressParser.IsDomain(name)) return ParseResult.Fail(CommandError.HeloSyntax);
        return ParseResult.Ok(new SmtpCommand.Helo(name, extended));
    }

    private static ParseResult ParseAuth(ReadOnlySpan<byte> rest)
    {
        var parts = Encoding.ASCII.GetString(rest).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // RFC 4422 §3.1: a mechanism name is 1-20 of A-Z, 0-9, '-' and '_'.
        if (parts.Length is < 1 or > 2 || parts[0].Length > 20 || !parts[0].All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            return ParseResult.Fail(CommandError.AuthSyntax);
        }
        return ParseResult.Ok(new SmtpCommand.Auth(parts[0].ToUpperInvariant(), parts.Length == 2 ? parts[1] : null));
    }

    private static ParseResult ParseBdat(ReadOnlySpan<byte> rest)
    {
        var parts = Encoding.ASCII.GetString(rest).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is < 1 or > 2 || parts[0].Length > 18 || !parts[0].All(char.IsAsciiDigit))
        {
            return ParseResult.Fail(CommandError.BdatSyntax);
        }
        bool last = parts.Length == 2;
        if (last && !parts[1].Equals("LAST", StringComparison.OrdinalIgnoreCase)) return ParseResult.Fail(CommandError.BdatSyntax);
        return ParseResult.Ok(new SmtpCommand.Bdat(long.Parse(parts[0]), last));
    }

    private static ParseResult ParseMail(ReadOnlySpan<byte> rest)
    {
        if (!TryDecode(rest, out var text)) return ParseResult.Fail(CommandError.InvalidUtf8);
        if (!TryTakePath(text, "FROM:", out var path, out var parameters)) return ParseResult.Fail(CommandError.MailSyntax);

        var sender = new Sender("");
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in SplitParameters(parameters))
        {
            if (!seen.Add(key)) return ParseResult.Fail(CommandError.DuplicateParameter, key);
            switch (key.ToUpperInvariant())
            {
                case "SIZE" when value is not null && value.Length <= 18 && value.All(char.IsAsciiDigit):
                    sender = sender with { DeclaredSize = long.Parse(value) };
                    break;
                case "BODY" when value is not null && value.Equals("7BIT", StringComparison.OrdinalIgnoreCase):
                    sender = sender with { Body = BodyType.SevenBit };
                    break;
                case "BODY" when value is not null && value.Equals("8BITMIME", StringComparison.OrdinalIgnoreCase):
                    sender = sender with { Body = BodyType.EightBitMime };
                    break;
                case "SMTPUTF8" when value is null:
                    sender = sender with { SmtpUtf8 = true };
                    break;
                // RFC 8689 §3: a bare keyword; whether TLS is on is the session's business, not the parser's.
                case "REQUIRETLS" when value is null:
                    sender = sender with { RequireTls = true };
                    break;
                case "RET" when value is not null && value.Equals("FULL", StringComparison.OrdinalIgnoreCase):
                    sender = sender with { Ret = DsnReturn.Full };
                    break;
                case "RET" when value is not null && value.Equals("HDRS", StringComparison.OrdinalIgnoreCase):
                    sender = sender with { Ret = DsnReturn.Headers };
                    break;
                case "ENVID":
                    if (ParseEnvid(value) is not { } envid) return ParseResult.Fail(CommandError.EnvidSyntax, key);
                    sender = sender with { EnvelopeId = envid };
                    break;
                // RFC 4954 §5: AUTH=<> or AUTH=xtext-address; the identity is taken from our own AUTH, not from this.
                case "AUTH" when value is not null && (value == "<>" || XText.TryDecode(value, out _)):
                    break;
                case "SIZE" or "BODY" or "SMTPUTF8" or "RET" or "AUTH" or "REQUIRETLS":
                    return ParseResult.Fail(CommandError.BadParameterValue, key);
                default:
                    return ParseResult.Fail(CommandError.UnknownParameter, key);
            }
        }

        if (path == "<>") return ParseResult.Ok(new SmtpCommand.Mail(sender));
        var address = AddressParser.ParsePath(path, sender.SmtpUtf8, out var error);
        return address is null ? ParseResult.Fail(error) : ParseResult.Ok(new SmtpCommand.Mail(sender with { Address = address }));
    }

    private static ParseResult ParseRcpt(ReadOnlySpan<byte> rest)
    {
        if (!TryDecode(rest, out var text)) return ParseResult.Fail(CommandError.InvalidUtf8);
        if (!TryTakePath(text, "TO:", out var path, out var parameters)) return ParseResult.Fail(CommandError.RcptSyntax);

        var notify = DsnNotify.Unspecified;
        string? orcpt = null;
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in SplitParameters(parameters))
        {
            if (!seen.Add(key)) return ParseResult.Fail(CommandError.DuplicateParameter, key);
            switch (key.ToUpperInvariant())
            {
                case "NOTIFY":
                    if (value is null || !TryParseNotify(value, out notify)) return ParseResult.Fail(CommandError.BadParameterValue, key);
                    break;
                case "ORCPT":
                    if (ParseOrcpt(value, out orcpt) is { } bad) return ParseResult.Fail(bad, key);
                    break;
                default:
                    return ParseResult.Fail(CommandError.UnknownParameter, key);
            }
        }

        // RFC 5321 §4.1.1.3: <Postmaster> without a domain must be accepted.
        if (path.Equals("<postmaster>", StringComparison.OrdinalIgnoreCase))
        {
            return ParseResult.Ok(new SmtpCommand.Rcpt(new Recipient("postmaster", notify, orcpt)));
        }
        // SMTPUTF8 is a MAIL parameter; the session checks the transaction's flag, so UTF-8 is parsed here.
        var address = AddressParser.ParsePath(path, allowUtf8: true, out var error);
        return address is null ? ParseResult.Fail(error) : ParseResult.Ok(new SmtpCommand.Rcpt(new Recipient(address, notify, orcpt)));
    }

    /// <summary>
    /// RFC 3461 §4.2: ORCPT=addr-type ";" value, where addr-type is an atom. Only the two types whose addresses we
    /// can check are taken: "rfc822" with an xtext-encoded ASCII mailbox, and RFC 6533's "utf-8" with its own
    /// encoding and an RFC 6531 mailbox. Kept decoded and canonical ("rfc822;bob@example.test"): bounces quote
    /// it and the next hop gets it re-encoded, never the client's text.
    /// </summary>
    private static CommandError? ParseOrcpt(string? value, out string? orcpt)
    {
        orcpt = null;
        int semi = value?.IndexOf(';') ?? -1;
        if (value is null || semi <= 0 || value.Length > 500) return CommandError.OrcptSyntax;
        var type = value[..semi].ToLowerInvariant();
        var encoded = value[(semi + 1)..];
        string? address = type switch
        {
            "rfc822" => XText.TryDecode(encoded, out var ascii) && Ascii.IsValid(ascii) ? ascii : null,
            "utf-8" => XText.TryDecodeUtf8Address(encoded, out var unicode) ? unicode : null,
            _ => type.All(AddressParser.IsAsciiAtext) ? "" : null,
        };
        if (address is null) return CommandError.OrcptSyntax;
        if (type is not ("rfc822" or "utf-8")) return CommandError.OrcptUnknownType;
        if (!AddressParser.IsMailbox(address)) return CommandError.OrcptBadAddress;
        orcpt = type + ";" + address;
        return null;
    }

    /// <summary>
    /// RFC 3461 §4.4: the ENVID is xtext whose decoded value is printable US-ASCII (graphic and space) of at most 100
    /// characters. xtext's "+HH" names an octet, so "+C3" would be kept as the Latin-1 'Ã' and go out re-encoded as
    /// UTF-8 ("+C3+83"): a different identifier than the one the sender will look for in its DSN. Kept decoded; the
    /// next hop gets our own encoding of it.
    /// </summary>
    internal static string? ParseEnvid(string? value) =>
        value is not null && XText.TryDecode(value, out var envid) && Sender.IsValidEnvelopeId(envid) ? envid : null;

    private static bool TryParseNotify(string value, out DsnNotify notify)
    {
        notify = DsnNotify.Unspecified;
        if (value.Equals("NEVER", StringComparison.OrdinalIgnoreCase))
        {
            notify = DsnNotify.Never;
            return true;
        }
        foreach (var item in value.Split(','))
        {
            var flag = item.ToUpperInvariant() switch
            {
                "SUCCESS" => DsnNotify.Success,
                "FAILURE" => DsnNotify.Failure,
                "DELAY" => DsnNotify.Delay,
                _ => DsnNotify.Unspecified,
            };
            if (flag == DsnNotify.Unspecified || notify.HasFlag(flag)) return false;
            notify |= flag;
        }
        return true;
    }

    /// <summary>Splits "FROM:&lt;path&gt; params". One space after the colon is tolerated, as Postfix does.</summary>
    private static bool TryTakePath(string text, string keyword, out string path, out string parameters)
    {
        path = parameters = "";
        if (!text.StartsWith(keyword, StringComparison.OrdinalIgnoreCase)) return false;
        var after = text.AsSpan(keyword.Length);
        if (after.StartsWith(" ")) after = after[1..];
        if (after.IsEmpty || after[0] != '<') return false;
        int close = AddressParser.FindPathEnd(after);
        if (close < 0) return false;
        path = after[..(close + 1)].ToString();
        var tail = after[(close + 1)..];
        if (!tail.IsEmpty && tail[0] != ' ') return false;
        parameters = tail.Trim(' ').ToString();
        return true;
    }

    private static IEnumerable<(string Key, string? Value)> SplitParameters(string parameters)
    {
        foreach (var item in parameters.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = item.IndexOf('=');
            yield return eq < 0 ? (item, null) : (item[..eq], item[(eq + 1)..]);
        }
    }

    private static bool TryDecode(ReadOnlySpan<byte> bytes, out string text)
    {
        try
        {
            text = StrictUtf8.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = "";
            return false;
        }
    }
}
