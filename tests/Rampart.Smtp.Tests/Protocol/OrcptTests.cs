using System.Text;
using Rampart.Smtp.Protocol;

namespace Rampart.Smtp.Tests.Protocol;

/// <summary>
/// RCPT's ORCPT (RFC 3461 §4.2; RFC 6533 §3 for "utf-8"): the address type is checked, the address is decoded and
/// must be a mailbox of that type, and what is kept is canonical ("type;decoded address"), never the client's text.
/// </summary>
public class OrcptTests
{
    private static ParseResult Parse(string line) => CommandParser.Parse(Encoding.UTF8.GetBytes(line));

    [Theory]
    [InlineData("rfc822;bob@example.test", "rfc822;bob@example.test")]
    [InlineData("RFC822;bob@example.test", "rfc822;bob@example.test")]             // the type is an atom, compared without case
    [InlineData("rfc822;bob+40example.test", "rfc822;bob@example.test")]           // xtext decoded
    [InlineData("rfc822;Bob+2Bx@example.test", "rfc822;Bob+x@example.test")]
    [InlineData("rfc822;\"a+20b\"@example.test", "rfc822;\"a b\"@example.test")]
    [InlineData("rfc822;bob@[192.0.2.1]", "rfc822;bob@[192.0.2.1]")]
    [InlineData("utf-8;bob@example.test", "utf-8;bob@example.test")]
    [InlineData("utf-8;j\\x{F6}rg@example.test", "utf-8;jörg@example.test")]         // utf-8-addr-xtext
    [InlineData("UTF-8;jörg@exämple.test", "utf-8;jörg@exämple.test")]             // utf-8-addr-unitext
    [InlineData("utf-8;\\x{1F600}@example.test", "utf-8;😀@example.test")]
    [InlineData("utf-8;a\\x{2B}b@example.test", "utf-8;a+b@example.test")]
    [InlineData("utf-8;\"a\\x{5C}\\x{5C}b\"@example.test", "utf-8;\"a\\\\b\"@example.test")]
    public void Keeps_the_decoded_address_under_its_canonical_type(string orcpt, string kept)
    {
        var rcpt = Assert.IsType<SmtpCommand.Rcpt>(Parse($"RCPT TO:<bob@example.test> ORCPT={orcpt}").Command);
        Assert.Equal(kept, rcpt.Recipient.OriginalRecipient);
    }

    [Theory]
    // Not addr-type ";" value at all.
    [InlineData("bob@example.test", CommandError.OrcptSyntax)]
    [InlineData(";bob@example.test", CommandError.OrcptSyntax)]
    [InlineData("rfc 822;bob@example.test", CommandError.OrcptSyntax)]            // the space splits the parameter
    [InlineData("rfc(822);bob@example.test", CommandError.OrcptSyntax)]          // not an atom
    [InlineData("rfc822;bob=x@example.test", CommandError.OrcptSyntax)]          // '=' is not xtext
    [InlineData("rfc822;b+0Db@example.test", CommandError.OrcptSyntax)]          // CR decoded: header injection in a DSN
    [InlineData("rfc822;j+C3+B6rg@example.test", CommandError.OrcptSyntax)]      // 8-bit octets: that is what utf-8 is for
    [InlineData("rfc822;jörg@example.test", CommandError.OrcptSyntax)]
    [InlineData("utf-8;a+b@example.test", CommandError.OrcptSyntax)]             // '+' must be \x{2B}
    [InlineData("utf-8;a\\b@example.test", CommandError.OrcptSyntax)]
    [InlineData("utf-8;\\x{41}@example.test", CommandError.OrcptSyntax)]         // 'A' stands for itself
    [InlineData("utf-8;\\x{00F6}@example.test", CommandError.OrcptSyntax)]       // no leading zeros
    [InlineData("utf-8;\\x{D800}@example.test", CommandError.OrcptSyntax)]       // a surrogate is no code point
    [InlineData("utf-8;\\x{110000}@example.test", CommandError.OrcptSyntax)]
    [InlineData("utf-8;\\x{0D}@example.test", CommandError.OrcptSyntax)]
    [InlineData("utf-8;\\x{F6@example.test", CommandError.OrcptSyntax)]
    // A well-formed atom naming a type we cannot check.
    [InlineData("x400;/G=Bob/S=Smith/", CommandError.OrcptUnknownType)]
    [InlineData("unknown;bob@example.test", CommandError.OrcptUnknownType)]
    // The right type, but not a mailbox.
    [InlineData("rfc822;", CommandError.OrcptBadAddress)]
    [InlineData("rfc822;bob", CommandError.OrcptBadAddress)]
    [InlineData("rfc822;bob@", CommandError.OrcptBadAddress)]
    [InlineData("rfc822;bob@example.test.", CommandError.OrcptBadAddress)]
    [InlineData("rfc822;bob@[010.0.0.1]", CommandError.OrcptBadAddress)]
    [InlineData("rfc822;<bob@example.test>", CommandError.OrcptBadAddress)]
    [InlineData("rfc822;a+2Cb@example.test", CommandError.OrcptBadAddress)]      // ',' is no atext
    [InlineData("utf-8;\\x{20}@example.test", CommandError.OrcptBadAddress)]
    public void Refuses_unknown_types_and_addresses_invalid_for_their_type(string orcpt, CommandError expected)
    {
        var result = Parse($"RCPT TO:<bob@example.test> ORCPT={orcpt}");
        Assert.Null(result.Command);
        Assert.Equal(expected, result.Error);
        var reply = Replies.For(result.Error);
        Assert.Equal(501, reply.Code);
        Assert.Equal("5.5.4", reply.Status?.ToString());
    }

    [Fact]
    public void An_ORCPT_over_500_characters_is_refused() =>
        Assert.Equal(CommandError.OrcptSyntax, Parse($"RCPT TO:<bob@example.test> ORCPT=rfc822;{new string('a', 490)}@example.test").Error);
}
