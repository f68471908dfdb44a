using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Rampart.Configuration;
using Rampart.Gateway;
using Rampart.Mail;
using Rampart.Policy.Antivirus;
using Rampart.Policy.Attachments;
using Rampart.Policy.Greylisting;
using Rampart.Policy.Recipients;
using Rampart.Policy.SendAs;
using Rampart.Policy.Spam;
using Rampart.Policy.State;

namespace Rampart.Tests.Gateway;

/// <summary>The filter table alone: which rows a listener's options switch on, and that each row makes what it says.</summary>
public sealed class ListenerFiltersTests
{
    private sealed class NoSendAs : ISendAsDirectory
    {
        public IReadOnlyList<string> AddressesOf(string user) => [];
    }

    private sealed class NoSource : IRecipientSource
    {
        public string Name => "none";

        public ValueTask<RecipientLookup> LookupAsync(string address, CancellationToken ct) => ValueTask.FromResult(RecipientLookup.Unknown);
    }

    private static ListenerOptions Listener(ListenerRole role) => new()
    {
        Name = "test",
        Role = role,
        EndPoint = new IPEndPoint(IPAddress.Loopback, 0),
        AcceptedDomains = [new("example.test")],
    };

    private static readonly Rampart.Policy.Scoring.ScoringOptions RecipientBlocks = new()
    {
        Recipients = new Dictionary<string, Rampart.Policy.Scoring.RecipientSenderLists> { ["bob@example.test"] = new([], ["ex@home.test"]) },
    };

    private static FilterInputs Inputs(ListenerOptions listener, params IRecipientSource[] sources) => Inputs(listener, null, sources);

    private static FilterInputs Inputs(ListenerOptions listener, Rampart.Policy.Scoring.ScoringOptions? scoring, params IRecipientSource[] sources) =>
        new(listener, sources, () => new MemoryRateStore(TimeProvider.System), new NoSendAs(),
            chosen => new VirusScanService([.. chosen.Select(s => s.CreateScanner())]), NullLoggerFactory.Instance, TimeProvider.System,
            () => new Rampart.Dns.DnsService(new() { Servers = [new IPEndPoint(IPAddress.Loopback, 53)] }, TimeProvider.System),
            () => new SqliteGreylistStore(":memory:", TimeProvider.System), scoring);

    private static List<string> Rows(FilterInputs inputs) => ListenerFilters.RowsFor(inputs).Select(r => r.Filter).ToList();

    [Fact]
    public void Every_listener_has_the_access_list_the_sender_filter_and_the_open_relay_guard()
    {
        Assert.Equal(["ip_access_list", "sender", "relay"], Rows(Inputs(Listener(ListenerRole.Outbound))));
    }

    [Fact]
    public void Refusing_our_own_domains_adds_the_header_From_check_at_the_message_stage()
    {
        var listener = Listener(ListenerRole.Inbound) with { SenderFilter = new() { RefuseOwnDomains = true } };

        Assert.Equal(["ip_access_list", "sender", "relay", "header-from"], Rows(Inputs(listener)));
    }

    [Fact]
    public void AUTH_adds_send_as_at_MAIL_and_on_the_header_From()
    {
        var listener = Listener(ListenerRole.Outbound) with { Auth = new AuthOptions(["PLAIN"], new()) };

        Assert.Equal(["ip_access_list", "sender", "send-as", "relay", "send-as-header"], Rows(Inputs(listener)));
    }

    [Fact]
    public void Recipient_sources_add_the_recipient_filter_after_relay_and_tell_relay_to_leave_recipients_to_it()
    {
        var listener = Listener(ListenerRole.Inbound) with { Recipients = new RecipientOptions() };

        Assert.Equal(["ip_access_list", "sender", "relay"], Rows(Inputs(Listener(ListenerRole.Inbound))));
        Assert.Equal(["ip_access_list", "sender", "relay", "recipients"], Rows(Inputs(listener, new NoSource())));
    }

    [Fact]
    public void Check_config_names_the_same_rows_without_composing_any_part()
    {
        var listener = Listener(ListenerRole.Inbound) with
        {
            Recipients = new RecipientOptions(),
            SenderFilter = new() { RefuseOwnDomains = true },
            DnsLists = new() { Sites = [new("zen.test")] },
            Greylisting = new(),
        };

        // NamesFor makes no store, resolver or scanner: each would throw if a row's condition asked for one.
        Assert.Equal(Rows(Inputs(listener, RecipientBlocks, new NoSource())), ListenerFilters.NamesFor(listener, RecipientBlocks));
        Assert.Contains("greylisting", ListenerFilters.NamesFor(listener, null));
    }

    [Fact]
    public void DNS_lists_sit_right_after_the_access_list_before_rate_limits_and_relay()
    {
        var listener = Listener(ListenerRole.Inbound) with
        {
            RateLimits = new(MessagesPerMinute: 5),
            DnsLists = new() { Sites = [new("bl.test")] },
        };

        Assert.Equal(["ip_access_list", "dns_lists", "rate_limits", "sender", "relay"], Rows(Inputs(listener)));
        Assert.IsType<Rampart.Policy.DnsLists.DnsListFilter>(ListenerFilters.RowsFor(Inputs(listener)).ElementAt(1).Make(Inputs(listener)));
    }

    [Fact]
    public void Rate_limits_sit_right_after_the_access_list_before_anything_can_accept()
    {
        var listener = Listener(ListenerRole.Inbound) with { RateLimits = new(MessagesPerMinute: 5) };

        Assert.Equal(["ip_access_list", "rate_limits", "sender", "relay"], Rows(Inputs(listener)));
    }

    [Fact]
    public void Greylisting_is_an_accepted_recipient_filter_after_relay_and_recipient_validation_with_the_DNSWL_exemption()
    {
        var listener = Listener(ListenerRole.Inbound) with { RateLimits = new(MessagesPerMinute: 5), Greylisting = new GreylistOptions() };

        Assert.Equal(["ip_access_list", "rate_limits", "sender", "relay", "greylisting"], Rows(Inputs(listener)));
        Assert.Equal(["ip_access_list", "sender", "relay", "recipients", "greylisting"],
            Rows(Inputs(Listener(ListenerRole.Inbound) with { Recipients = new RecipientOptions(), Greylisting = new GreylistOptions() }, new NoSource())));
        var filter = ListenerFilters.RowsFor(Inputs(listener)).Single(r => r.Filter == "greylisting").Make(Inputs(listener));
        Assert.IsAssignableFrom<Rampart.Policy.IAcceptedRcptFilter>(filter);
        Assert.IsNotAssignableFrom<Rampart.Policy.IRcptToFilter>(filter);
    }

    [Fact]
    public void SPF_sits_right_after_the_sender_filter_at_MAIL()
    {
        var listener = Listener(ListenerRole.Inbound) with { Spf = new Rampart.Policy.Spf.SpfCheckOptions() };

        Assert.Equal(["ip_access_list", "sender", "spf", "relay"], Rows(Inputs(listener)));
        Assert.IsType<Rampart.Policy.Spf.SpfFilter>(ListenerFilters.RowsFor(Inputs(listener)).ElementAt(2).Make(Inputs(listener)));
    }

    [Fact]
    public void Domain_lists_sit_after_SPF_at_MAIL_and_before_every_content_filter()
    {
        var listener = Listener(ListenerRole.Inbound) with
        {
            Spf = new Rampart.Policy.Spf.SpfCheckOptions(),
            Attachments = new AttachmentOptions(),
            DomainLists = new() { Sites = [new("dbl.test")] },
        };

        Assert.Equal(["ip_access_list", "sender", "spf", "domain_lists", "relay", "attachments"], Rows(Inputs(listener)));
        Assert.IsType<Rampart.Policy.DomainLists.DomainListFilter>(ListenerFilters.RowsFor(Inputs(listener)).ElementAt(3).Make(Inputs(listener)));
    }

    [Fact]
    public void Every_row_makes_the_filter_it_names_in_table_order()
    {
        var all = Listener(ListenerRole.Inbound) with
        {
            SenderFilter = new() { RefuseOwnDomains = true },
            RateLimits = new(ConnectionsPerMinute: 5),
            DnsLists = new() { Sites = [new("bl.test")] },
            Auth = new AuthOptions(["PLAIN"], new()),
            Recipients = new RecipientOptions(),
            Attachments = new AttachmentOptions(),
            Antivirus = new AntivirusOptions { Scanners = [new ScannerOptions { Kind = ScannerKind.Clamd, Address = "127.0.0.1:3310" }] },
            Greylisting = new GreylistOptions(),
            Spam = new SpamOptions(),
            Spf = new Rampart.Policy.Spf.SpfCheckOptions(),
            DomainLists = new() { Sites = [new("dbl.test")] },
            SenderAuth = new Rampart.Policy.SenderAuth.SenderAuthOptions(),
            TransportRules = new Rampart.Policy.Rules.TransportRulesOptions(
                [new("stop-all", null, true, [], [], [], Stop: true)], new Rampart.Policy.Relay.AcceptedDomains(["example.test"])),
        };

        var chain = ListenerFilters.Chain(Inputs(all, RecipientBlocks, new NoSource()) with { DkimSigning = Signing("test"), HeaderHygiene = Hygiene });

        // Every row but the outbound ones, which no inbound listener has (below): not even dkim_signing naming it.
        Assert.Equal(ListenerFilters.Table.Select(r => r.Filter).Where(f => f is not ("header_hygiene_outbound" or "dkim_signing")), chain.Filters.Select(f => f.Name));
    }

    private static readonly Rampart.Policy.HeaderHygiene.HeaderHygieneOptions Hygiene = new() { AddMessageId = true };

    private static Rampart.Policy.DkimSigning.DkimSigningOptions Signing(params string[] listeners) => new()
    {
        Domains = new Dictionary<string, Rampart.Policy.DkimSigning.DkimDomain>
        {
            ["example.test"] = new("example.test", [new("s1", "s1.key", MimeKit.Cryptography.DkimSignatureAlgorithm.Ed25519Sha256,
                new Org.BouncyCastle.Crypto.Parameters.Ed25519PrivateKeyParameters(new Org.BouncyCastle.Security.SecureRandom()), 256, true)]),
        },
        Listeners = listeners.Length == 0 ? null : listeners,
    };

    [Fact]
    public void Outbound_clean_up_then_signing_are_the_last_rows_of_outbound_and_submission_listeners_and_never_inbound_even_named()
    {
        foreach (var role in new[] { ListenerRole.Outbound, ListenerRole.Submission })
        {
            var rows = Rows(Inputs(Listener(role) with { Spam = new SpamOptions { ScanOutbound = true } }) with { DkimSigning = Signing(), HeaderHygiene = Hygiene });
            Assert.Equal(["spam", "header_hygiene_outbound", "dkim_signing"], rows[^3..]);
        }
        var inbound = Rows(Inputs(Listener(ListenerRole.Inbound)) with { DkimSigning = Signing(), HeaderHygiene = Hygiene });
        Assert.DoesNotContain("dkim_signing", inbound);
        Assert.DoesNotContain("dkim_signing", Rows(Inputs(Listener(ListenerRole.Inbound)) with { DkimSigning = Signing("test") }));
        Assert.DoesNotContain("header_hygiene_outbound", inbound);
        Assert.Equal("header_hygiene", inbound[^1]);
    }

    [Fact]
    public void Spam_scoring_is_on_inbound_listeners_and_elsewhere_only_when_asked()
    {
        var spam = new SpamOptions();

        Assert.Equal("spam", Rows(Inputs(Listener(ListenerRole.Inbound) with { Spam = spam }))[^1]);
        Assert.DoesNotContain("spam", Rows(Inputs(Listener(ListenerRole.Outbound) with { Spam = spam })));
        Assert.DoesNotContain("spam", Rows(Inputs(Listener(ListenerRole.Submission) with { Spam = spam })));
        Assert.Equal("spam", Rows(Inputs(Listener(ListenerRole.Outbound) with { Spam = spam with { ScanOutbound = true } }))[^1]);
    }

    [Fact]
    public void A_recipients_blocked_senders_are_asked_at_rcpt_on_inbound_listeners_only_when_some_are_listed()
    {
        Assert.Contains("recipient_blocked_senders", Rows(Inputs(Listener(ListenerRole.Inbound), RecipientBlocks)));
        Assert.DoesNotContain("recipient_blocked_senders", Rows(Inputs(Listener(ListenerRole.Outbound), RecipientBlocks)));
        Assert.DoesNotContain("recipient_blocked_senders", Rows(Inputs(Listener(ListenerRole.Inbound), new Rampart.Policy.Scoring.ScoringOptions
        {
            BlockedSenders = ["spammer.test"],
            Recipients = new Dictionary<string, Rampart.Policy.Scoring.RecipientSenderLists> { ["bob@example.test"] = new(["friend.test"], []) },
        })));
    }

    [Fact]
    public void Each_filter_appears_once_in_the_table()
    {
        Assert.Equal(ListenerFilters.Table.Count, ListenerFilters.Table.Select(r => r.Filter).Distinct().Count());
    }

    [Fact]
    public void Sender_auth_is_the_first_message_filter_that_may_rewrite_on_inbound_and_elsewhere_only_when_asked()
    {
        var auth = new Rampart.Policy.SenderAuth.SenderAuthOptions();
        var inbound = Listener(ListenerRole.Inbound) with
        {
            SenderFilter = new() { RefuseOwnDomains = true }, Attachments = new AttachmentOptions(), Spam = new SpamOptions(), SenderAuth = auth,
        };

        Assert.Equal(["header-from", "sender_auth", "attachments", "spam"], Rows(Inputs(inbound))[^4..]);
        Assert.DoesNotContain("sender_auth", Rows(Inputs(Listener(ListenerRole.Outbound) with { SenderAuth = auth })));
        Assert.Contains("sender_auth", Rows(Inputs(Listener(ListenerRole.Submission) with { SenderAuth = auth with { CheckOutbound = true } })));
    }
}
