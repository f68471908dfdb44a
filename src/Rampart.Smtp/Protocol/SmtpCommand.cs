using Rampart.Mail;

namespace Rampart.Smtp.Protocol;

/// <summary>A parsed command line. The parser does no I/O, so it is table-tested on its own.</summary>
public abstract record SmtpCommand
{
    private SmtpCommand() { }

    public sealed record Helo(string Domain, bool Extended) : SmtpCommand;
    public sealed record Mail(Sender Sender) : SmtpCommand;
    public sealed record Rcpt(Recipient Recipient) : SmtpCommand;
    public sealed record Data : SmtpCommand;
    public sealed record Bdat(long Size, bool Last) : SmtpCommand;
    public sealed record Rset : SmtpCommand;
    public sealed record Noop : SmtpCommand;
    public sealed record Quit : SmtpCommand;
    public sealed record Vrfy : SmtpCommand;
    public sealed record Help : SmtpCommand;
    public sealed record StartTls : SmtpCommand;
    /// <summary>RFC 4954 §4: AUTH mechanism [initial-response]; the response still base64.</summary>
    public sealed record Auth(string Mechanism, string? InitialResponse) : SmtpCommand;
    /// <summary>EXPN, TURN, ETRN...: known to RFC 5321 or its extensions, deliberately not offered.</summary>
    public sealed record NotImplemented(string Verb) : SmtpCommand;
    /// <summary>HTTP and proxy verbs: someone aimed a web client or an open-proxy scanner at us.</summary>
    public sealed record Forbidden(string Verb) : SmtpCommand;
}

/// <summary>Why a command line could not be parsed; each maps to exactly one reply in <see cref="Replies"/>.</summary>
public enum CommandError
{
    UnknownCommand,
    NulInLine,
    InvalidUtf8,
    HeloSyntax,
    HeloAddressLiteral,
    MailSyntax,
    RcptSyntax,
    BdatSyntax,
    NoArgumentsExpected,
    BadAddress,
    BadAddressLiteral,
    NonAsciiAddressWithoutSmtpUtf8,
    UnknownParameter,
    BadParameterValue,
    DuplicateParameter,
    OrcptSyntax,
    OrcptUnknownType,
    OrcptBadAddress,
    EnvidSyntax,
    LineTooLong,
    BareLineEnding,
    AuthSyntax,
}

/// <summary>The parser's answer: a command, or a named error with the detail for the reply text.</summary>
public readonly record struct ParseResult(SmtpCommand? Command, CommandError Error, string? Detail = null)
{
    public static ParseResult Ok(SmtpCommand command) => new(command, default);
    public static ParseResult Fail(CommandError error, string? detail = null) => new(null, error, detail);
}
