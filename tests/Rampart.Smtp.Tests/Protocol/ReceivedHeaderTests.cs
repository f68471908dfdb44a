using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Rampart.Mail;
using Rampart.Smtp.Protocol;

namespace Rampart.Smtp.Tests.Protocol;

/// <summary>
/// Values the client chose (HELO name, recipient) and the ones Rampart knows (listener, TLS, address) never change
/// the structure of the Received field: one "from", one "by", one ";" before the date, comments that close where ours do.
/// </summary>
public partial class ReceivedHeaderTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 16, 0, 0, TimeSpan.Zero);

    /// <summary>The whole field, unfolded: every piece in the grammar RFC 5321 §4.4 gives it, and nothing more.</summary>
    [GeneratedRegex("""
        ^Received:\ from\ (?<helo>[^\s;()<>\[\]"\\]+|\[[0-9.]+\]|\[IPv6:[0-9A-Fa-f:.]+\])
        \ \(\[(?<ip>[0-9A-Fa-f.:%]+)\]:[0-9]+\)
        (?:\ \(using\ [A-Za-z0-9._?-]+\ with\ cipher\ [A-Za-z0-9._?-]+\))?
        \ by\ [A-Za-z0-9.-]+\ \(Rampart,\ listener\ (?<listener>[A-Za-z0-9._?-]+)\)\ with\ [A-Z0-9]+\ id\ [A-Za-z0-9?]+
        (?:\ for\ <(?<for>[^\s<>;()\[\]"\\]+@[^\s<>;()"\\]+)>)?
        ;\ [A-Z][a-z]{2},\ \d\d\ [A-Z][a-z]{2}\ \d{4}\ \d\d:\d\d:\d\d\ [+-]\d{4}$
        """, RegexOptions.IgnorePatternWhitespace)]
    private static partial Regex Shape();

    private static Match Build(string? helo, string listener = "inbound", string[]? recipients = null, string? cipher = null,
        bool utf8 = false, string address = "192.0.2.7")
    {
        var session = new SessionFacts
        {
            SessionId = "s1",
            ListenerName = listener,
            Role = ListenerRole.Inbound,
            RemoteEndPoint = new IPEndPoint(IPAddress.Parse(address), 40000),
            LocalEndPoint = new IPEndPoint(IPAddress.Loopback, 25),
            HeloName = helo,
            IsExtended = true,
            TlsProtocol = cipher is null ? null : "Tls13",
            TlsCipher = cipher,
        };
        var rcpts = (recipients ?? ["bob@example.test"]).Select(r => new Recipient(r)).ToList();
        var bytes = ReceivedHeader.Build(session, "mx.rampart.test", "QID123", new Sender("a@foreign.test", SmtpUtf8: utf8), rcpts, Now);
        var text = Encoding.UTF8.GetString(bytes);
        Assert.EndsWith("\r\n", text, StringComparison.Ordinal);
        // Folded only where we fold: each CRLF is followed by a tab, and there is no lone CR or LF.
        var body = text[..^2];
        Assert.DoesNotMatch(@"\r(?!\n\t)|(?<!\r)\n", body);
        var unfolded = body.Replace("\r\n\t", " ", StringComparison.Ordinal);
        var match = Shape().Match(unfolded);
        Assert.True(match.Success, $"unexpected structure: {unfolded}");
        return match;
    }

    [Theory]
    [InlineData("mail.foreign.test", "mail.foreign.test")]
    [InlineData("[192.0.2.7]", "[192.0.2.7]")]
    [InlineData("[IPv6:2001:db8::1]", "[IPv6:2001:db8::1]")]
    [InlineData("evil;by(trusted)", "evil?by?trusted?")]
    [InlineData("x)with", "x?with")]
    [InlineData("a]b[c", "a?b?c")]
    [InlineData("<a>\"b\"\\c", "?a??b??c")]
    [InlineData("evil\r\n\tby", "evil???by")]
    [InlineData("[1.2.3.4];", "?1.2.3.4??")]
    [InlineData("caf\u00e9.test", "caf?.test")]
    public void The_helo_name_cannot_add_a_clause(string helo, string written) =>
        Assert.Equal(written, Build(helo).Groups["helo"].Value);

    [Fact]
    public void A_missing_helo_is_written_unknown() => Assert.Equal("unknown", Build(null).Groups["helo"].Value);

    [Theory]
    [InlineData("caf\u00e9.test", "caf\u00e9.test")]
    [InlineData("a\u202Eb;c", "a?b?c")]
    public void With_smtputf8_a_utf8_helo_is_kept_but_invisible_characters_are_not(string helo, string written) =>
        Assert.Equal(written, Build(helo, utf8: true).Groups["helo"].Value);

    [Fact]
    public void Listener_names_and_tls_names_cannot_add_a_clause()
    {
        var m = Build("c.test", listener: "in; by x (y)", cipher: "TLS_AES;(x)");
        Assert.Equal("in??by?x??y?", m.Groups["listener"].Value);
    }

    [Theory]
    [InlineData("bob@example.test", "bob@example.test")]
    [InlineData("b.o+b@[192.0.2.1]", "b.o+b@[192.0.2.1]")]
    [InlineData("\"a>b; c\"@example.test", "")]
    [InlineData("\"bob\"@example.test", "")]
    public void Only_a_dot_atom_recipient_is_written_in_for(string recipient, string written) =>
        Assert.Equal(written, Build("c.test", recipients: [recipient]).Groups["for"].Value);

    [Theory]
    [InlineData("b\u00f6b@ex\u00e4mple.test", "b\u00f6b@ex\u00e4mple.test")]
    [InlineData("bob@a\u202Eb;c", "")]
    [InlineData("b\u202Eob@example.test", "")]
    public void With_smtputf8_a_utf8_recipient_is_written_unless_it_holds_specials_or_invisible_characters(string recipient, string written) =>
        Assert.Equal(written, Build("c.test", recipients: [recipient], utf8: true).Groups["for"].Value);

    [Fact]
    public void Several_recipients_leave_for_out() =>
        Assert.False(Build("c.test", recipients: ["a@example.test", "b@example.test"]).Groups["for"].Success);

    [Fact]
    public void An_ipv6_client_address_is_written_in_brackets() =>
        Assert.Equal("2001:db8::7", Build("c.test", address: "2001:db8::7").Groups["ip"].Value);
}
