using System.Text;
using MimeKit;
using Rampart.Policy.Relay;
using Rampart.Policy.Senders;

namespace Rampart.Policy.Tests.Senders;

/// <summary>
/// The header From and Sender of outside mail, judged as a mail client shows them: every form that presents one of
/// our addresses (or a look-alike) is refused, as is a From that is missing, repeated or unreadable.
/// </summary>
public class HeaderFromFilterTests
{
    private static readonly HeaderFromFilter Filter = new(new AcceptedDomains([new AcceptedDomain("example.test"), new AcceptedDomain("corp.test", Subdomains: true)]), []);

    private static string? Judge(string headerBlock)
    {
        var headers = HeaderList.Load(new MemoryStream(Encoding.UTF8.GetBytes(headerBlock + "\r\nbody\r\n")));
        return Filter.Judge(headers)?.ToString();
    }

    [Theory]
    [InlineData("From: ceo@example.test\r\n")]
    [InlineData("From: CEO <CEO@EXAMPLE.TEST>\r\n")]
    [InlineData("From: alice@(x)example.test\r\n")]                          // comment inside the address
    [InlineData("From: alice(x)@example.test\r\n")]
    [InlineData("From: alice@example.test (comment)\r\n")]
    [InlineData("From: \"alice\"@example.test\r\n")]                         // quoted local part
    [InlineData("From: alice@ example . test\r\n")]                          // obsolete CFWS around the dots
    [InlineData("From: alice@example\r\n .test\r\n")]                        // folded inside the domain
    [InlineData("From: ceo@\r\n example.test\r\n")]
    [InlineData("From: alice@example.test.\r\n")]                            // trailing dot
    [InlineData("From: <@relay.foreign.test:ceo@example.test>\r\n")]         // obsolete source route
    [InlineData("From: a@foreign.test, boss@example.test\r\n")]              // several authors
    [InlineData("From: staff: a@foreign.test, ceo@example.test;\r\n")]       // group syntax
    [InlineData("From: \"ceo@example.test\" <attacker@foreign.test>\r\n")]   // our address as the display name
    [InlineData("From: ceo@example.test <attacker@foreign.test>\r\n")]
    [InlineData("From: \"CEO (ceo @ example.test)\" <x@foreign.test>\r\n")]
    [InlineData("From: =?utf-8?q?ceo=40example=2Etest?= <x@foreign.test>\r\n")] // encoded word showing our address
    [InlineData("From: =?utf-8?b?Y2VvQGV4YW1wbGUudGVzdA==?= <x@foreign.test>\r\n")]
    [InlineData("From: x@foreign.test (ceo@example.test)\r\n")]               // a comment some clients show as the name
    [InlineData("From: \"ceo@example.test\"@foreign.test\r\n")]              // our address as the local part
    [InlineData("From: ceo\uFF20example.test <x@foreign.test>\r\n")]         // fullwidth at sign in the name
    [InlineData("From: ceo@ex\u0430mple.test\r\n")]                          // Cyrillic а
    [InlineData("From: ceo@\uFF45\uFF58\uFF41\uFF4D\uFF50\uFF4C\uFF45.test\r\n")] // fullwidth
    [InlineData("From: ceo@xn--exmple-4nf.test\r\n")]                        // punycode of the Cyrillic form
    [InlineData("From: ceo@exarnple.test\r\n")]
    [InlineData("From: ceo@mail.corp.test\r\n")]                             // a sub-domain of a domain with sub-domains on
    [InlineData("From: =?utf-8?q?x=3Cy?= <ceo@example.test>\r\n")]
    public void A_From_that_shows_our_domain_is_refused(string from) =>
        Assert.Equal("550 5.7.1 Message refused: the From field shows our own domain, but the message is not from inside", Judge(from + "Subject: s\r\n"));

    [Theory]
    [InlineData("Sender: ceo@example.test\r\n")]
    [InlineData("Sender: \"ceo@example.test\" <x@foreign.test>\r\n")]
    [InlineData("Sender: ceo@EX\u0410MPLE.test\r\n")]
    public void A_Sender_that_shows_our_domain_is_refused(string sender) =>
        Assert.Equal("550 5.7.1 Message refused: the Sender field shows our own domain, but the message is not from inside",
            Judge("From: alice@foreign.test\r\n" + sender));

    [Theory]
    [InlineData("Subject: no author\r\n", "550 5.7.1 Message refused: no From field (RFC 5322 section 3.6 requires one)")]
    [InlineData("From: a@foreign.test\r\nFrom: b@foreign.test\r\n", "550 5.7.1 Message refused: more than one From field (RFC 5322 section 3.6 allows one)")]
    [InlineData("From: a@foreign.test\r\nFrom : ceo@example.test\r\n", "550 5.7.1 Message refused: more than one From field (RFC 5322 section 3.6 allows one)")]
    [InlineData("From: a@foreign.test\r\nfrom\t: ceo@example.test\r\n", "550 5.7.1 Message refused: more than one From field (RFC 5322 section 3.6 allows one)")]
    [InlineData("From: a@foreign.test\r\nSender: b@foreign.test\r\nSender: c@foreign.test\r\n", "550 5.7.1 Message refused: more than one Sender field (RFC 5322 section 3.6 allows one)")]
    [InlineData("From: \r\n", "550 5.7.1 Message refused: the From field is not a readable list of addresses")]
    [InlineData("From: just some words\r\n", "550 5.7.1 Message refused: the From field is not a readable list of addresses")]
    [InlineData("From: undisclosed:;\r\n", "550 5.7.1 Message refused: the From field is not a readable list of addresses")]
    [InlineData("From: a@foreign.test\r\nSender: <>\r\n", "550 5.7.1 Message refused: the Sender field is not a readable list of addresses")]
    public void A_From_that_cannot_be_judged_is_refused(string headers, string reply) => Assert.Equal(reply, Judge(headers));

    [Theory]
    [InlineData("From: \"CEO\" <ceo@example.test> (x\r\n")]   // unterminated comment
    [InlineData("From: ceo@example.test;\r\n")]               // a stray group end
    public void A_malformed_From_with_our_address_is_refused_however_it_is_read(string from) =>
        Assert.StartsWith("550 5.7.1 Message refused: the From field ", Judge(from));

    [Theory]
    [InlineData("From: Alice <alice@foreign.test>\r\n")]
    [InlineData("From: \"Doe, John\" <john@foreign.test>\r\n")]
    [InlineData("From: =?utf-8?q?J=C3=B6rg?= <joerg@foreign.test>\r\n")]
    [InlineData("From: alice@foreign.test\r\nSender: list@lists.foreign.test\r\n")]
    [InlineData("From: alice@examples.test\r\n")]
    [InlineData("From: alice@example.test.foreign.test\r\n")]
    [InlineData("From: alice@notcorp.test\r\n")]
    [InlineData("From: \"Support at Example\" <help@foreign.test>\r\n")]
    [InlineData("From: alice@[192.0.2.1]\r\n")]
    [InlineData("From: team: a@foreign.test, b@foreign.test;\r\n")]
    public void An_outsider_From_is_accepted(string headers) => Assert.Null(Judge(headers + "Subject: s\r\n"));
}
