using System.Text;
using Rampart.Smtp.Protocol;

namespace Rampart.Smtp.Tests.Protocol;

/// <summary>
/// RFC 6531 addresses and EHLO names: a U-label must be letters, digits and hyphen once IDNA has mapped it, and may
/// not hold a control, white space, bidi or other format character; a UTF-8 local part may not hold a control or a
/// bidi embedding, override or isolate, which would make it display as another address.
/// </summary>
public class InternationalAddressTests
{
    private static ParseResult Parse(string line) => CommandParser.Parse(Encoding.UTF8.GetBytes(line));

    [Theory]
    [InlineData("exämple.test")]
    [InlineData("bücher.example")]
    [InlineData("xn--bcher-kva.example")]
    [InlineData("пример.испытание")]
    [InlineData("例え.テスト")]
    [InlineData("ÄBC.test")]                       // IDNA maps upper case
    public void Valid_U_label_names_are_domains(string domain) => Assert.True(AddressParser.IsDomain(domain));

    [Theory]
    [InlineData("a\u202Eb;c.test")]                  // the case that passed: RLO and ';' in one label
    [InlineData("ä;b.test")]                          // an ASCII special beside a letter IDNA maps
    [InlineData("ä(b).test")]
    [InlineData("ä_b.test")]
    [InlineData("ä<b>.test")]
    [InlineData("ä\"b.test")]
    [InlineData("ä\\b.test")]
    [InlineData("ä@b.test")]
    [InlineData("ä b.test")]
    [InlineData("ä\u00A0b.test")]                     // no-break space
    [InlineData("ä\u3000b.test")]                     // ideographic space
    [InlineData("exa\u202Emple.test")]                // RIGHT-TO-LEFT OVERRIDE
    [InlineData("exa\u202Ample.test")]
    [InlineData("exa\u2066mple.test")]                // LEFT-TO-RIGHT ISOLATE
    [InlineData("exa\u2069mple.test")]
    [InlineData("exä\u200Emple.test")]                // LEFT-TO-RIGHT MARK: a format character
    [InlineData("exä\u200Bmple.test")]                // ZERO WIDTH SPACE, which IdnMapping would drop silently
    [InlineData("exä\u00ADmple.test")]                // SOFT HYPHEN, the same
    [InlineData("exä\uFEFFmple.test")]
    [InlineData("exä\u0085mple.test")]                // C1 control (NEL)
    [InlineData("exä\u009Bmple.test")]                // C1 CSI
    [InlineData("-ä.test")]
    [InlineData("ä-.test")]
    public void U_labels_with_anything_but_letters_digits_and_hyphen_are_not_domains(string domain) =>
        Assert.False(AddressParser.IsDomain(domain));

    [Theory]
    [InlineData("jörg@example.test")]
    [InlineData("\"jörg smith\"@example.test")]
    [InlineData("می\u200Cخواهم@example.test")]       // ZWNJ spells ordinary Persian words
    [InlineData("bob@exämple.test")]
    public void Valid_international_mailboxes_pass(string mailbox) =>
        Assert.IsType<SmtpCommand.Mail>(Parse($"MAIL FROM:<{mailbox}> SMTPUTF8").Command);

    [Theory]
    [InlineData("bob@a\u202Eb;c.test")]
    [InlineData("bob@ä;b.test")]
    [InlineData("bob@exa\u2066mple.test")]
    [InlineData("j\u202Eörg@example.test")]           // RLO in the local part
    [InlineData("j\u202Aörg@example.test")]
    [InlineData("j\u2067örg@example.test")]
    [InlineData("j\u0085örg@example.test")]           // C1 control
    [InlineData("j\u009Börg@example.test")]
    [InlineData("\"j\u202Eörg\"@example.test")]       // quoted strings too
    [InlineData("\"j\u0085örg\"@example.test")]
    [InlineData("\"j\u2068örg\"@example.test")]
    public void MAIL_and_RCPT_refuse_them_as_bad_addresses(string mailbox)
    {
        var mail = Parse($"MAIL FROM:<{mailbox}> SMTPUTF8");
        Assert.Equal(CommandError.BadAddress, mail.Error);
        Assert.Null(mail.Command);
        var rcpt = Parse($"RCPT TO:<{mailbox}>");
        Assert.Equal(CommandError.BadAddress, rcpt.Error);
        Assert.Equal("501 5.1.3", $"{Replies.For(rcpt.Error).Code} {Replies.For(rcpt.Error).Status}");
    }

    [Theory]
    [InlineData("exämple.test")]
    [InlineData("MY_PC")]                            // ASCII names are taken as sent, as before
    [InlineData("[192.0.2.1]")]
    public void EHLO_takes_valid_names(string name) => Assert.IsType<SmtpCommand.Helo>(Parse($"EHLO {name}").Command);

    [Theory]
    [InlineData("a\u202Eb;c.test")]
    [InlineData("exä;mple.test")]
    [InlineData("exä\u2066mple.test")]
    [InlineData("exä\u200Bmple.test")]
    [InlineData("exä\u00A0mple.test")]
    public void EHLO_refuses_invalid_U_label_names(string name) => Assert.Equal(CommandError.HeloSyntax, Parse($"EHLO {name}").Error);
}
