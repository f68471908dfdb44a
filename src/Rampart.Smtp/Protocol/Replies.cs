using Rampart.Mail;

namespace Rampart.Smtp.Protocol;

/// <summary>
/// Every reply the engine itself originates, named once with its RFC 3463 enhanced code
/// (the Kestrel RequestRejectionReason habit). Filters bring their own replies.
/// </summary>
public static class Replies
{
    private static SmtpReply R(int code, string status, string text) => new(code, status, text);

    public static readonly SmtpReply Ok = R(250, "2.0.0", "Ok");
    public static readonly SmtpReply SenderOk = R(250, "2.1.0", "Sender ok");
    public static readonly SmtpReply RecipientOk = R(250, "2.1.5", "Recipient ok");
    public static readonly SmtpReply ResetOk = R(250, "2.0.0", "Reset state");
    public static readonly SmtpReply StartData = R(354, "2.0.0", "End data with <CR><LF>.<CR><LF>");
    public static readonly SmtpReply VrfyNoDisclosure = R(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery");
    public static readonly SmtpReply Help = R(214, "2.0.0", "See RFC 5321; commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS AUTH");
    public static readonly SmtpReply ReadyForTls = R(220, "2.0.0", "Ready to start TLS");

    /// <summary>RFC 5321 §4.2: the greeting names this host; no enhanced code before EHLO has offered them.</summary>
    public static SmtpReply Greeting(string hostName, string banner) => SmtpReply.Plain(220, $"{hostName} {banner}");

    /// <summary>HELO's answer: the host name alone (RFC 5321 §4.1.1.1).</summary>
    public static SmtpReply HeloOk(string hostName) => SmtpReply.Plain(250, hostName);

    /// <summary>EHLO's answer: the greeting line, then one keyword per line (RFC 5321 §4.1.1.1).</summary>
    public static SmtpReply Ehlo(IReadOnlyList<string> lines) => new(250, null, lines);

    /// <summary>RFC 3030 §2: each BDAT chunk but the last is answered on its own.</summary>
    public static SmtpReply ChunkReceived(long size) => R(250, "2.0.0", $"{size} octets received");

    /// <summary>RFC 4954 §4: a server challenge, already base64 (empty for "send your initial response").</summary>
    public static SmtpReply SaslChallenge(string base64) => new(334, (EnhancedStatusCode?)null, base64);

    public static readonly SmtpReply UnknownCommand = R(500, "5.5.1", "Command unrecognized");
    public static readonly SmtpReply NotImplemented = R(502, "5.5.1", "Command not implemented");
    public static readonly SmtpReply AuthNotAvailable = R(503, "5.5.1", "Authentication not available on this listener");
    public static readonly SmtpReply AuthSyntax = R(501, "5.5.4", "Syntax: AUTH mechanism [initial-response]");
    public static readonly SmtpReply AuthSucceeded = R(235, "2.7.0", "Authentication successful");
    // RFC 4954 §6 names each of these.
    public static readonly SmtpReply AuthFailed = R(535, "5.7.8", "Authentication credentials invalid");
    public static readonly SmtpReply AuthNeedsTls = R(538, "5.7.11", "Encryption required for requested authentication mechanism");
    public static readonly SmtpReply AuthMechanismUnknown = R(504, "5.5.4", "Unrecognized authentication type");
    public static readonly SmtpReply AuthCancelled = R(501, "5.7.0", "Authentication cancelled");
    public static readonly SmtpReply AuthBadBase64 = R(501, "5.5.2", "Cannot decode response (base64)");
    public static readonly SmtpReply AuthAlready = R(503, "5.5.1", "Already authenticated");
    public static readonly SmtpReply AuthLineTooLong = R(500, "5.5.6", "Authentication exchange line is too long");
    public static readonly SmtpReply AuthInTransaction = R(503, "5.5.1", "AUTH not permitted during a mail transaction");
    public static readonly SmtpReply NulInLine = R(500, "5.5.2", "NUL character in command line");
    public static readonly SmtpReply InvalidUtf8 = R(500, "5.5.2", "Command line is not valid UTF-8");
    public static readonly SmtpReply LineTooLong = R(500, "5.5.2", "Command line too long");
    public static readonly SmtpReply BareLineFeedInCommand = R(500, "5.5.2", "Command line must end with <CR><LF>; bare <CR> or <LF> refused");
    public static readonly SmtpReply NoArguments = R(501, "5.5.4", "Syntax error: no arguments allowed");
    public static readonly SmtpReply HeloSyntax = R(501, "5.5.4", "Syntax: EHLO domain-or-address-literal");
    public static readonly SmtpReply MailSyntax = R(501, "5.5.4", "Syntax: MAIL FROM:<address> [parameters]");
    public static readonly SmtpReply RcptSyntax = R(501, "5.5.4", "Syntax: RCPT TO:<address> [parameters]");
    public static readonly SmtpReply BdatSyntax = R(501, "5.5.4", "Syntax: BDAT chunk-size [LAST]; closing because the chunk cannot be skipped");
    public static readonly SmtpReply BadAddress = R(501, "5.1.3", "Bad address syntax");
    private const string LiteralForms = "[IPv4] with four decimal numbers 0-255 and no leading zeros, or [IPv6:address] (RFC 5321 4.1.3)";
    public static readonly SmtpReply BadAddressLiteral = R(501, "5.1.3", "Bad address literal: use " + LiteralForms);
    public static readonly SmtpReply HeloAddressLiteral = R(501, "5.5.4", "Bad address literal in EHLO/HELO: use " + LiteralForms);
    public static readonly SmtpReply NonAsciiAddress = R(553, "5.6.7", "Non-ASCII address requires SMTPUTF8 (RFC 6531)");
    public static readonly SmtpReply UnknownParameter = R(555, "5.5.4", "Unsupported MAIL or RCPT parameter");
    public static readonly SmtpReply BadParameter = R(501, "5.5.4", "Bad parameter value");
    public static readonly SmtpReply DuplicateParameter = R(501, "5.5.4", "Parameter given twice");
    private const string OrcptForms = "ORCPT=rfc822;xtext-address or ORCPT=utf-8;address (RFC 3461 4.2, RFC 6533 3)";
    public static readonly SmtpReply OrcptSyntax = R(501, "5.5.4", "Bad ORCPT value: use " + OrcptForms);
    public static readonly SmtpReply OrcptUnknownType = R(501, "5.5.4", "Unsupported ORCPT address type: use " + OrcptForms);
    public static readonly SmtpReply OrcptBadAddress = R(501, "5.5.4", "ORCPT address is not a valid mailbox for its type");
    public static readonly SmtpReply EnvidSyntax = R(501, "5.5.4", "Bad ENVID value: xtext of 1-100 printable US-ASCII characters (RFC 3461 4.4)");

    public static readonly SmtpReply NeedHelo = R(503, "5.5.1", "Send HELO/EHLO first");
    public static readonly SmtpReply NestedMail = R(503, "5.5.1", "Sender already specified");
    public static readonly SmtpReply NeedMail = R(503, "5.5.1", "Need MAIL command");
    public static readonly SmtpReply NoValidRecipients = R(554, "5.5.1", "No valid recipients");
    public static readonly SmtpReply DataAfterBdat = R(503, "5.5.1", "DATA not allowed after BDAT");
    public static readonly SmtpReply TlsAlreadyActive = R(503, "5.5.1", "TLS already active");
    public static readonly SmtpReply TlsNotAvailable = R(502, "5.5.1", "STARTTLS not available");
    public static readonly SmtpReply TlsInTransaction = R(503, "5.5.1", "STARTTLS not allowed during a mail transaction");
    public static readonly SmtpReply TlsRequired = R(530, "5.7.0", "Must issue a STARTTLS command first");

    /// <summary>RFC 8689 §4.1 with RFC 5248's 5.7.10 "Encryption needed": REQUIRETLS outside TLS.</summary>
    public static readonly SmtpReply RequireTlsNotOffered = R(555, "5.5.4", "REQUIRETLS is not offered on this listener");
    public static readonly SmtpReply RequireTlsWithoutTls = R(530, "5.7.10", "REQUIRETLS needs a TLS session: issue STARTTLS first");

    public static readonly SmtpReply MessageTooBig = R(552, "5.3.4", "Message size exceeds fixed maximum message size");
    /// <summary>The header section alone is over limits.max_header_size, whatever the message's size.</summary>
    public static readonly SmtpReply HeaderTooBig = R(552, "5.3.4", "Message header size exceeds limit");
    /// <summary>RFC 2920 §3.1, in Postfix's words (smtpd_forbid_unauth_pipelining): content sent before the 354.</summary>
    public static readonly SmtpReply ContentBeforeGoAhead = R(554, "5.5.0", "Error: SMTP protocol synchronization (message content sent before the 354 reply)");
    /// <summary>Postscreen's PREGREET verdict: the client did not wait for the greeting (RFC 5321 §4.3.1).</summary>
    public static readonly SmtpReply PregreetTalker = R(554, "5.5.1", "Protocol error: you talked before the greeting");

    public static readonly SmtpReply TooManyRecipients = R(452, "4.5.3", "Too many recipients");
    public static readonly SmtpReply BareLineEnding = R(550, "5.6.0", "Message refused: bare <CR> or <LF> in content; lines must end with <CR><LF> (RFC 5321 2.3.8)");
    public static readonly SmtpReply NulInContent = R(554, "5.6.0", "Message refused: NUL character in content; only BODY=BINARYMIME may carry NUL (RFC 6152 3)");
    /// <summary>A continuation line with no field before it (RFC 5322 §2.2.3) would fold into our Received field.</summary>
    public static readonly SmtpReply StartsFolded = R(554, "5.6.0", "Message refused: message starts with a folded header line (RFC 5322 2.2.3)");
    public static readonly SmtpReply TextLineTooLong = R(550, "5.6.0", "Message refused: a line is longer than this server accepts");
    public static readonly SmtpReply TooManyHops = R(554, "5.4.6", "Too many hops (mail loop detected)");
    public static readonly SmtpReply LocalError = R(451, "4.3.0", "Local error in processing; try again later");
    /// <summary>A fault of ours outside any one command: the client is told to try later, never a bare 5xx.</summary>
    public static readonly SmtpReply LocalErrorClosing = R(421, "4.3.0", "Local error, closing connection");

    public static readonly SmtpReply ServiceClosing = R(221, "2.0.0", "Bye");
    public static readonly SmtpReply Timeout = R(421, "4.4.2", "Timeout exceeded, closing connection");
    public static readonly SmtpReply SessionTimeLimit = R(421, "4.4.2", "Connection time limit exceeded, closing connection");
    public static readonly SmtpReply DataTimeLimit = R(421, "4.4.2", "Message took too long to arrive, closing connection");
    public static readonly SmtpReply DataTooSlow = R(421, "4.4.2", "Message data arriving too slowly, closing connection");
    public static readonly SmtpReply TooManyJunkCommands = R(421, "4.7.0", "Too many commands without mail, closing connection");
    public static readonly SmtpReply TooManyErrors = R(421, "4.7.0", "Too many errors, closing connection");
    public static readonly SmtpReply TooManyMessages = R(421, "4.7.0", "Too many messages in one connection, closing; please reconnect");
    public static readonly SmtpReply TooManyConnections = R(421, "4.7.0", "Too many connections, try again later");
    public static readonly SmtpReply TooManyConnectionsFromYou = R(421, "4.7.0", "Too many connections from your address, try again later");
    public static readonly SmtpReply ShuttingDown = R(421, "4.3.2", "Service shutting down, closing connection");
    public static readonly SmtpReply NotHttp = R(521, "5.7.0", "This is an SMTP server, closing connection");

    public static SmtpReply For(CommandError error) => error switch
    {
        CommandError.UnknownCommand => UnknownCommand,
        CommandError.NulInLine => NulInLine,
        CommandError.InvalidUtf8 => InvalidUtf8,
        CommandError.HeloSyntax => HeloSyntax,
        CommandError.MailSyntax => MailSyntax,
        CommandError.RcptSyntax => RcptSyntax,
        CommandError.BdatSyntax => BdatSyntax,
        CommandError.NoArgumentsExpected => NoArguments,
        CommandError.BadAddress => BadAddress,
        CommandError.BadAddressLiteral => BadAddressLiteral,
        CommandError.HeloAddressLiteral => HeloAddressLiteral,
        CommandError.NonAsciiAddressWithoutSmtpUtf8 => NonAsciiAddress,
        CommandError.UnknownParameter => UnknownParameter,
        CommandError.BadParameterValue => BadParameter,
        CommandError.DuplicateParameter => DuplicateParameter,
        CommandError.OrcptSyntax => OrcptSyntax,
        CommandError.OrcptUnknownType => OrcptUnknownType,
        CommandError.OrcptBadAddress => OrcptBadAddress,
        CommandError.EnvidSyntax => EnvidSyntax,
        CommandError.LineTooLong => LineTooLong,
        CommandError.BareLineEnding => BareLineFeedInCommand,
        CommandError.AuthSyntax => AuthSyntax,
        _ => UnknownCommand,
    };
}
