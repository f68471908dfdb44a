namespace Rampart.Mail;

/// <summary>RFC 1652 / RFC 6152 BODY= parameter.</summary>
public enum BodyType { SevenBit, EightBitMime, BinaryMime }

/// <summary>RFC 3461 RET= parameter.</summary>
public enum DsnReturn { Unspecified, Full, Headers }

/// <summary>RFC 3461 NOTIFY= parameter, kept as given so that bounces honour it.</summary>
[Flags]
public enum DsnNotify { Unspecified = 0, Never = 1, Success = 2, Failure = 4, Delay = 8 }

/// <summary>What happened to one recipient so far (stalwart's Scheduled/Completed/...).</summary>
public enum RecipientStatus { Pending, Delivered, TemporaryFailure, PermanentFailure }

/// <summary>One RCPT TO, with its RFC 3461 parameters.</summary>
public sealed record Recipient(string Address, DsnNotify Notify = DsnNotify.Unspecified, string? OriginalRecipient = null)
{
    public string Domain => Address[(Address.LastIndexOf('@') + 1)..];
}

/// <summary>
/// The MAIL FROM and its parameters. An empty address is the null reverse path (&lt;&gt;). RequireTls is RFC 8689's
/// REQUIRETLS: every hop must be TLS with a verified certificate (false in spool files written before it existed).
/// </summary>
public sealed record Sender(
    string Address,
    BodyType Body = BodyType.SevenBit,
    bool SmtpUtf8 = false,
    DsnReturn Ret = DsnReturn.Unspecified,
    string? EnvelopeId = null,
    long? DeclaredSize = null,
    bool RequireTls = false)
{
    public bool IsNullSender => Address.Length == 0;

    /// <summary>RFC 3461 §4.4: "the ENVID ... MUST NOT exceed 100 characters".</summary>
    public const int MaxEnvelopeId = 100;

    /// <summary>
    /// RFC 3461 §4.4: an ENVID, decoded, is 1-100 printable US-ASCII characters (graphic and space). Checked where it
    /// is received and again where it is passed on, for spools written before the check.
    /// </summary>
    public static bool IsValidEnvelopeId(string? envid) =>
        envid is { Length: > 0 and <= MaxEnvelopeId } && envid.All(c => c is >= ' ' and <= '~');
}
