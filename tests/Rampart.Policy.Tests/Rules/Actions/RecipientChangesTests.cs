using Rampart.Mail;
using Rampart.Policy.Rules.Actions;
using Rampart.Policy.Tests.Attachments;

namespace Rampart.Policy.Tests.Rules.Actions;

/// <summary>Redirect and add on the message's recipient list, with the DSN parameters each new recipient carries (RFC 3461).</summary>
public class RecipientChangesTests
{
    private static MessageContext Context(params Recipient[] recipients) =>
        new(Samples.Context("Subject: x\r\n\r\nx\r\n"u8.ToArray()).Session, "Q1", new Sender("a@foreign.test"), recipients,
            new MemoryMessageContent("Subject: x\r\n\r\nx\r\n"u8.ToArray()));

    [Theory]
    [InlineData("bob@example.test", "bob@EXAMPLE.test", true)]
    [InlineData("bob@example.test", "bob@example.test.", true)]
    [InlineData("bob@example.test", "Bob@example.test", false)]
    [InlineData("PostMaster@example.test", "postmaster@Example.Test", true)]
    [InlineData("postmaster", "POSTMASTER", true)]
    [InlineData("bob@example.test", "bob@example.tes", false)]
    [InlineData("bob@example.test", "bob@xample.test", false)]
    [InlineData("b\u043eb@example.test", "bob@example.test", false)]
    public void Addresses_are_the_same_recipient_as_the_relay_filter_sees_them(string a, string b, bool same)
    {
        Assert.Equal(same, RecipientChanges.SameAddress(a, b));
        Assert.Equal(same, RecipientChanges.SameAddress(b, a));
    }

    [Fact]
    public void Added_recipients_come_after_the_others_once_each_and_never_notify_the_sender()
    {
        var context = Context(new Recipient("bob@example.test", DsnNotify.Failure));

        context.AddRecipients([new("journal@archive.test"), new("BOB@example.test".ToLowerInvariant()), new("journal@ARCHIVE.test"),
            new("audit@archive.test", DsnNotify.Failure)]);

        Assert.Equal(["bob@example.test", "journal@archive.test", "audit@archive.test"], context.Recipients.Select(r => r.Address));
        Assert.Equal([DsnNotify.Failure, DsnNotify.Never, DsnNotify.Failure], context.Recipients.Select(r => r.Notify));
        Assert.Equal(["bob@example.test"], context.ClientRecipients.Select(r => r.Address));
    }

    [Fact]
    public void A_redirect_replaces_every_recipient_and_keeps_the_single_originals_notify_and_orcpt()
    {
        var context = Context(new Recipient("bob@example.test", DsnNotify.Failure | DsnNotify.Delay, "rfc822;bob+orig@example.test"));

        context.RedirectTo([new("review@example.test"), new("REVIEW@example.test".ToLowerInvariant())]);

        var only = Assert.Single(context.Recipients);
        Assert.Equal(new Recipient("review@example.test", DsnNotify.Failure | DsnNotify.Delay, "rfc822;bob+orig@example.test"), only);
    }

    [Fact]
    public void A_redirect_of_a_recipient_without_orcpt_names_its_address_and_of_several_names_none()
    {
        var one = Context(new Recipient("bob@example.test"));
        one.RedirectTo([new("review@example.test")]);
        Assert.Equal("rfc822;bob@example.test", one.Recipients[0].OriginalRecipient);

        var intl = Context(new Recipient("j\u00f6rg@example.test"));
        intl.RedirectTo([new("review@example.test")]);
        Assert.Equal("utf-8;j\u00f6rg@example.test", intl.Recipients[0].OriginalRecipient);

        var several = Context(new Recipient("a@example.test", DsnNotify.Never), new Recipient("b@example.test", DsnNotify.Failure));
        several.RedirectTo([new("review@example.test")]);
        Assert.Equal(new Recipient("review@example.test"), several.Recipients[0]);
    }

    [Fact]
    public void A_redirect_to_nobody_is_refused_and_a_route_needs_a_name()
    {
        var context = Context(new Recipient("bob@example.test"));

        Assert.Throws<ArgumentException>(() => context.RedirectTo([]));
        Assert.Throws<ArgumentException>(() => context.RouteThrough(" "));
        Assert.Null(context.Route);
        context.RouteThrough("journal");
        Assert.Equal("journal", context.Route);
        Assert.Equal(["bob@example.test"], context.Recipients.Select(r => r.Address));
    }

    [Theory]
    [InlineData("")]
    [InlineData("bob")]
    [InlineData("@example.test")]
    [InlineData("bob@")]
    [InlineData("bob@example.test\r\nRCPT TO:<eve@evil.test>")]
    [InlineData("bob@example.test> NOTIFY=SUCCESS")]
    [InlineData("bob smith@example.test")]
    [InlineData("bob@exa\0mple.test")]
    [InlineData("a@b@example.test")]
    [InlineData("bob@.example.test")]
    [InlineData("bob@example..test")]
    [InlineData("bob,eve@example.test")]
    [InlineData("\"bob\"@example.test")]
    public void A_recipient_that_would_not_make_a_clean_RCPT_TO_is_refused_and_nothing_changes(string address)
    {
        var context = Context(new Recipient("bob@example.test"));

        var add = Assert.Throws<ArgumentException>(() => context.AddRecipients([new("ok@example.test"), new(address)]));
        Assert.Throws<ArgumentException>(() => context.RedirectTo([new("ok@example.test"), new(address)]));

        Assert.DoesNotContain('\r', add.Message);
        Assert.Equal(["bob@example.test"], context.Recipients.Select(r => r.Address));
    }

    [Fact]
    public void An_address_past_the_limit_of_a_path_is_refused()
    {
        var context = Context(new Recipient("bob@example.test"));
        var longest = new string('a', RecipientChanges.MaxAddress - "@example.test".Length) + "@example.test";

        context.AddRecipients([new(longest)]);
        Assert.Throws<ArgumentException>(() => context.AddRecipients([new("a" + longest)]));
        Assert.Equal(2, context.Recipients.Count);
    }

    private static MessageContext ContextFrom(Sender sender, params Recipient[] recipients) =>
        new(Samples.Context("Subject: x\r\n\r\nx\r\n"u8.ToArray()).Session, "Q1", sender, recipients,
            new MemoryMessageContent("Subject: x\r\n\r\nx\r\n"u8.ToArray()));

    [Theory]
    [InlineData("j\u00f6rg@example.test")]
    [InlineData("bob@b\u00fccher.test")]
    [InlineData("b\u043eb@example.test")]
    public void A_non_ascii_address_is_refused_unless_the_sender_used_smtputf8(string address)
    {
        // RFC 6531 §3.4: without SMTPUTF8 on MAIL FROM, delivery would write raw UTF-8 in a RCPT TO.
        var plain = ContextFrom(new Sender("a@foreign.test"), new Recipient("bob@example.test"));
        Assert.Contains("SMTPUTF8", Assert.Throws<ArgumentException>(() => plain.AddRecipients([new Recipient(address)])).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => plain.RedirectTo([new Recipient(address)]));
        Assert.Equal(["bob@example.test"], plain.Recipients.Select(r => r.Address));

        var utf8 = ContextFrom(new Sender("a@foreign.test", SmtpUtf8: true), new Recipient("bob@example.test"));
        utf8.AddRecipients([new Recipient(address)]);
        Assert.Equal(["bob@example.test", address], utf8.Recipients.Select(r => r.Address));
        utf8.RedirectTo([new Recipient(address)]);
        Assert.Equal([address], utf8.Recipients.Select(r => r.Address));
    }

    [Theory]
    [InlineData(DsnNotify.Success | DsnNotify.Failure, DsnNotify.Failure)]
    [InlineData(DsnNotify.Success | DsnNotify.Failure | DsnNotify.Delay, DsnNotify.Failure | DsnNotify.Delay)]
    [InlineData(DsnNotify.Success, DsnNotify.Never)]
    [InlineData(DsnNotify.Never, DsnNotify.Never)]
    [InlineData(DsnNotify.Failure, DsnNotify.Failure)]
    [InlineData(DsnNotify.Unspecified, DsnNotify.Unspecified)]
    public void A_redirect_target_inherits_notify_without_success(DsnNotify given, DsnNotify inherited)
    {
        // A success notice names the recipient that took the message: it would tell the sender where the redirect sent it.
        var context = Context(new Recipient("bob@example.test", given));

        context.RedirectTo([new Recipient("review@example.test"), new Recipient("audit@example.test", DsnNotify.Success)]);

        Assert.Equal([inherited, DsnNotify.Success], context.Recipients.Select(r => r.Notify));
    }
}
