using Rampart.Gateway;
using Rampart.Mail;

namespace Rampart.Tests.Gateway;

public sealed class PostmasterQualifierTests
{
    [Fact]
    public void A_bare_postmaster_gets_our_domain_and_every_other_recipient_stays_as_it_came()
    {
        var qualifier = new PostmasterQualifier("example.test");
        var bare = new Recipient("Postmaster", DsnNotify.Unspecified, "rfc822;Postmaster");

        var qualified = qualifier.Qualify([bare, new Recipient("bob@example.test")]);

        Assert.Equal(["postmaster@example.test", "bob@example.test"], qualified.Select(r => r.Address));
        Assert.Equal("rfc822;Postmaster", qualified[0].OriginalRecipient);
    }
}
