using Rampart.Policy.SenderAuth;

namespace Rampart.Tests.Configuration.Sections;

/// <summary>A listener's sender_auth: present turns DKIM, ARC and DMARC on (empty: the defaults), each key checked with its place.</summary>
public sealed class SenderAuthSectionTests : ConfigTest
{
    private const string Port = "    port: 2525";

    [Theory]
    [InlineData("sender_auth: {dmarc_reject: bounce}", "dmarc_reject: |bounce", "listeners.inbound.sender_auth.dmarc_reject", "'bounce' is not one of reject, quarantine")]
    [InlineData("sender_auth: {dmarc_quarantine: reject}", "dmarc_quarantine: |reject", "listeners.inbound.sender_auth.dmarc_quarantine", "'reject' is not one of quarantine, accept")]
    [InlineData("sender_auth: {max_signatures: 0}", "max_signatures: |0", "listeners.inbound.sender_auth.max_signatures", "from 1 to 20")]
    [InlineData("sender_auth: {authserv_id: 'mx example'}", "authserv_id: |'mx example'", "listeners.inbound.sender_auth.authserv_id", "is not a host name")]
    [InlineData("sender_auth: {trusted_forwarders: [lists.example.org, 'a b']}", "trusted_forwarders: |[", "listeners.inbound.sender_auth.trusted_forwarders", "'a b' is not a domain name")]
    [InlineData("sender_auth: {dkim: on}", "|dkim", "listeners.inbound.sender_auth.dkim", "unknown key")]
    [InlineData("sender_auth: yes", "sender_auth: |yes", "listeners.inbound.sender_auth", "expected a section of keys")]
    public void A_mistake_names_the_file_position_key_and_problem(string section, string at, string key, string problem) =>
        AssertMistake(Port, Port + "\n    " + section, at, key, problem);

    [Fact]
    public void Absent_is_off_and_empty_is_on_with_the_defaults()
    {
        Assert.Null(Inbound(Port, Port).SenderAuth);
        var options = Inbound(Port, Port + "\n    sender_auth: {}").SenderAuth!;
        Assert.Equal((null, DmarcRejectAction.Reject, DmarcQuarantineAction.Quarantine, 5, false),
            (options.AuthservId, options.OnReject, options.OnQuarantine, options.MaxSignatures, options.CheckOutbound));
        Assert.Empty(options.Forwarders);
    }

    [Fact]
    public void Every_key_is_read_and_names_are_kept_in_their_ASCII_lower_case_form()
    {
        var options = Inbound(Port, Port + """

                sender_auth:
                  authserv_id: MX.Example.COM.
                  trusted_forwarders: [Lists.Example.org, bücher.example]
                  dmarc_reject: quarantine
                  dmarc_quarantine: accept
                  max_signatures: 8
                  check_outbound: true
            """).SenderAuth!;

        Assert.Equal(("mx.example.com", DmarcRejectAction.Quarantine, DmarcQuarantineAction.Accept, 8, true),
            (options.AuthservId, options.OnReject, options.OnQuarantine, options.MaxSignatures, options.CheckOutbound));
        Assert.Equal(["lists.example.org", "xn--bcher-kva.example"], options.Forwarders);
    }
}
