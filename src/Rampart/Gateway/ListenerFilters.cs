using Microsoft.Extensions.Logging;
using Rampart.Configuration;
using Rampart.Policy;
using Rampart.Policy.Antivirus;
using Rampart.Policy.Attachments;
using Rampart.Policy.Connection;
using Rampart.Policy.DnsLists;
using Rampart.Policy.DomainLists;
using Rampart.Policy.Greylisting;
using Rampart.Policy.Recipients;
using Rampart.Policy.Relay;
using Rampart.Policy.SendAs;
using Rampart.Policy.SenderAuth;
using Rampart.Policy.Senders;
using Rampart.Policy.Spam;
using Rampart.Policy.Spf;
using Rampart.Policy.State;

namespace Rampart.Gateway;

/// <summary>What the filters of one listener are made from: its options, and the parts composing made for it.</summary>
internal sealed record FilterInputs(
    ListenerOptions Listener,
    IReadOnlyList<IRecipientSource> RecipientSources,
    Func<IRateStore> RateStore,
    ISendAsDirectory SendAs,
    Func<IEnumerable<ScannerOptions>, VirusScanService> Scanners,
    ILoggerFactory Loggers,
    TimeProvider Clock,
    Func<Dns.IDnsResolver> Dns,
    Func<IGreylistStore>? GreylistStore = null,
    Policy.Scoring.ScoringOptions? Scoring = null,
    string HostName = Configuration.GatewayOptions.DefaultHostName,
    Mail.Metrics.RampartMetrics? Metrics = null,
    Policy.DkimSigning.DkimSigningOptions? DkimSigning = null,
    Policy.HeaderHygiene.HeaderHygieneOptions? HeaderHygiene = null)
{
    public AcceptedDomains Domains { get; } = new(Listener.AcceptedDomains);

    /// <summary>The accepted domains when outsiders may not claim them (on by default on inbound listeners); else null.</summary>
    public AcceptedDomains? OwnDomains => Listener.SenderFilter.RefuseOwnDomains ? Domains : null;
}

/// <summary>
/// THE filter order of a listener, in one table. A chain runs its filters in this order at each stage they take part
/// in (<see cref="PolicyChain"/>), and the first decisive verdict wins; so a row's place matters only against the rows
/// of the same stage. A row whose condition is false is left out of the chain; nothing is added anywhere else.
/// The anti-spam checks of issue 13 go in here too (DNSBL after the access list, SPF at MAIL).
/// </summary>
internal static class ListenerFilters
{
    /// <param name="Stages">The SMTP stages the filter acts at (documentation; the chain finds them by interface).</param>
    /// <param name="Filter">The name the filter gives itself (<see cref="IFilter.Name"/>), as logs and tests say it.</param>
    /// <param name="When">Which listeners have it.</param>
    /// <param name="Make">The filter, for a listener that has it.</param>
    public sealed record Row(string Stages, string Filter, Func<FilterInputs, bool> When, Func<FilterInputs, IFilter> Make);

    public static readonly IReadOnlyList<Row> Table =
    [
        // Every listener. First: an address refused at connect costs no other check.
        new("connect", "ip_access_list",
            _ => true,
            i => new IpAccessListFilter(i.Listener.IpAllow, i.Listener.IpBlock)),

        // dns_lists set. After the access list (a blocked client costs no lookup); at RCPT before relay, whose accept
        // ends the stage. Allowed and relay-network clients are never looked up.
        new("connect, rcpt", "dns_lists",
            i => i.Listener.DnsLists is not null,
            i => new DnsListFilter(i.Listener.DnsLists!, i.Dns(), [.. i.Listener.IpAllow, .. i.Listener.RelayNetworks],
                i.Loggers.CreateLogger("Rampart.Policy.DnsLists"))),

        // rate_limits set. Before the relay filter: its accept at RCPT ends the stage, and a rate must count every recipient.
        new("connect, mail, rcpt", "rate_limits",
            i => i.Listener.RateLimits.Any,
            i => new RateLimitFilter(i.Listener.Name, i.Listener.RateLimits, i.RateStore())),

        // Every listener: blocked senders; on inbound (by default), outsiders claiming our own domains at MAIL.
        new("mail", "sender",
            _ => true,
            i => new SenderFilter(new SenderPatterns(i.Listener.SenderFilter.Block), i.OwnDomains, i.Listener.SenderFilter.OwnDomainsFrom)),

        // spf: set (inbound listeners only, the reader's rule). After sender: a blocked sender costs no lookup.
        new("mail", "spf",
            i => i.Listener.Spf is not null,
            i => new SpfFilter(new SpfEvaluator(i.Dns(), i.Clock), i.Listener.Spf!, i.HostName, i.Loggers.CreateLogger("Rampart.Policy.Spf"))),

        // domain_lists set. After spf: a forged sender refused there costs no list lookup. At the message stage this row
        // comes first (one row, one filter for both stages): before the content filters, so a message refused for its
        // links is not sent to the scanners. Allowed, relay-network and authenticated clients are not looked up.
        new("mail, message", "domain_lists",
            i => i.Listener.DomainLists is not null,
            i => new DomainListFilter(i.Listener.DomainLists!, i.Dns(),
                i.Listener.DomainLists!.Checks(DomainListChecks.Urls) ? PublicSuffixes(i.Listener.DomainLists.PublicSuffixList) : null,
                [.. i.Listener.IpAllow, .. i.Listener.RelayNetworks], i.Listener.Limits.MaxHeaderSize, i.Loggers.CreateLogger("Rampart.Policy.DomainLists"))),

        // Listeners with AUTH (never inbound): an authenticated user sends only as the addresses it may.
        new("mail", "send-as",
            i => i.Listener.Auth is not null,
            i => new SendAsFilter(i.SendAs)),

        // scoring.recipients with blocked_senders, inbound listeners: a recipient's own blocked senders, refused for
        // that recipient alone. Before greylisting (a refused recipient is never stored) and relay (whose accept ends the stage).
        new("rcpt", "recipient_blocked_senders",
            i => i.Listener.Role == Mail.ListenerRole.Inbound && i.Scoring is { } s && s.Recipients.Values.Any(r => r.BlockedSenders.Count > 0),
            i => new Policy.Scoring.RecipientBlockFilter(new Policy.Scoring.SenderListRules(i.Scoring!))),

        // Every listener: the open-relay guard. Inbound accepts only its domains, outbound only its networks (or AUTH).
        // With recipient sources it leaves the accepted domains' recipients to the next row.
        new("rcpt", "relay",
            _ => true,
            i => new RelayFilter(i.Listener.Role, i.Domains, i.Listener.RelayNetworks, validateRecipients: i.Listener.Recipients is not null)),

        // recipients: set (file, LDAP, callout; in that order, cheapest first). After relay: only our domains are asked.
        new("rcpt", "recipients",
            i => i.Listener.Recipients is not null,
            i => new RecipientFilter(i.Domains, i.RecipientSources, i.Listener.Recipients!.TarpitAfter, i.Listener.Recipients.TarpitDelay,
                i.Loggers.CreateLogger("Rampart.Policy.Recipients"), i.Clock)),

        // greylisting: set. An accepted-recipient filter (IAcceptedRcptFilter): the chain shows it only the recipients the
        // rows above accepted, after relay and recipient validation, so it may only delay them; a relay attempt or an
        // unknown user is refused at once and never stored. On inbound only our domains (not the bare postmaster).
        new("accepted rcpt", "greylisting",
            i => i.Listener.Greylisting is not null,
            i => new GreylistFilter(i.Listener.Greylisting!, i.GreylistStore!(), GreylistExemptionsFor(i.Listener),
                i.Listener.Role == Mail.ListenerRole.Inbound ? i.Domains : null, i.Loggers.CreateLogger("Rampart.Policy.Greylisting"))),

        // Message filters only where they have work: one makes every message's content be read back before the 250.
        // Own domains refused (inbound by default): the header From, as MAIL FROM was.
        new("message", "header-from",
            i => i.OwnDomains is not null,
            i => new HeaderFromFilter(i.OwnDomains!, i.Listener.SenderFilter.OwnDomainsFrom)),

        // sender_auth: set, on inbound listeners (others only with check_outbound). The first message filter that may
        // change content: DKIM must see the message as signed, before attachments are stripped or a tag is added; and
        // its Authentication-Results field is there for Rspamd and every later reader.
        new("message", "sender_auth",
            i => i.Listener.SenderAuth is { } auth && (i.Listener.Role == Mail.ListenerRole.Inbound || auth.CheckOutbound),
            i => new SenderAuthFilter(i.Listener.SenderAuth!, i.Listener.SenderAuth!.AuthservId ?? i.HostName, i.Dns(),
                i.Loggers.CreateLogger("Rampart.Policy.SenderAuth"), i.Listener.Limits.MaxHeaderSize,
                // The list domain_lists reduces links with (an administrator's newer one, if named): DMARC's organisational
                // domains and the URL lists' registered domains must agree. Without URL checks that list is not read.
                i.Listener.DomainLists is { } lists && lists.Checks(DomainListChecks.Urls) ? PublicSuffixes(lists.PublicSuffixList) : null)),

        // header_hygiene.inbound (on by default), inbound listeners: our verdict fields forged from outside removed. After
        // sender_auth (its DKIM check sees the fields the sender signed), before every filter that writes them (spam).
        new("message", "header_hygiene",
            i => i.Listener.Role == Mail.ListenerRole.Inbound && i.HeaderHygiene is { InboundRemove.Count: > 0 },
            i => new Policy.HeaderHygiene.InboundHygieneFilter(i.HeaderHygiene!, i.Loggers.CreateLogger("Rampart.Policy.HeaderHygiene"))),

        // Listeners with AUTH: the header From too, as the envelope sender was.
        new("message", "send-as-header",
            i => i.Listener.Auth is not null,
            i => new SendAsHeaderFilter(i.SendAs)),

        // attachments: set. Content last, cheapest first: a stripped attachment is not sent to the scanners.
        // The body parts' header sections get the cap the framer puts on the message's own.
        new("message", "attachments",
            i => i.Listener.Attachments is not null,
            i => new AttachmentFilter(i.Listener.Attachments! with { MaxHeaderSize = i.Listener.Limits.MaxHeaderSize })),

        // antivirus: set. Last: the most expensive, and it sees what the attachment filter left.
        new("message", "antivirus",
            i => i.Listener.Antivirus is not null,
            i => new AntivirusFilter(i.Scanners(i.Listener.Antivirus!.Scanners), i.Listener.Antivirus,
                i.Loggers.CreateLogger("Rampart.Policy.Antivirus"))),

        // spam: set, on inbound listeners (others only with scan_outbound). LAST: the verdict sums what every check before
        // it found (DNS lists, SPF, DKIM/DMARC, its own rules, Rspamd) with the scoring: weights table. After antivirus:
        // a virus is refused without asking Rspamd, and tagging rewrites the header of a message known clean.
        new("message", "spam",
            i => i.Listener.Spam is { } spam && (i.Listener.Role == Mail.ListenerRole.Inbound || spam.ScanOutbound),
            i => new SpamFilter(i.Listener.Spam!.Rspamd ? new RspamdClient(i.Listener.Spam!, i.Clock) : null, i.Listener.Spam!,
                i.Loggers.CreateLogger("Rampart.Policy.Spam"), i.Clock, i.Scoring,
                i.Listener.Spam.Rules ? new Policy.Scoring.BuiltInRules(i.Listener.Limits.MaxHeaderSize, i.Clock) : null)),

        // transport_rules: any rule that can match on this listener. AFTER spam: rules read its SCL and the SPF/DKIM/DMARC
        // results sender_auth recorded; and a message refused as spam or for a virus is not rewritten for nothing.
        new("message", "transport_rules",
            i => i.Listener.TransportRules is not null,
            i => new Policy.Rules.TransportRulesFilter(i.Listener.TransportRules!, i.Loggers.CreateLogger("Rampart.Policy.Rules"))),

        // header_hygiene.outbound, outbound and submission listeners: internal Received fields and the client's address
        // removed, Message-ID and Date added when missing. Before dkim_signing, so what it adds is signed.
        new("message", "header_hygiene_outbound",
            i => i.Listener.Role != Mail.ListenerRole.Inbound && i.HeaderHygiene is { AnyOutbound: true },
            i => new Policy.HeaderHygiene.OutboundHygieneFilter(i.HeaderHygiene!, i.Listener.RelayNetworks, i.HostName, i.Clock,
                i.Loggers.CreateLogger("Rampart.Policy.HeaderHygiene"))),

        // dkim_signing: set, on the listeners it names (default: outbound and submission). MUST STAY THE LAST message
        // row: it signs the message as it will be sent, and any change after it (a field added, a part rewritten)
        // would break the signature. New message filters go above it.
        new("message", "dkim_signing",
            i => i.DkimSigning is { } dkim && dkim.AppliesTo(i.Listener.Name, i.Listener.Role),
            i => new Policy.DkimSigning.DkimSigningFilter(i.DkimSigning!, i.Loggers.CreateLogger("Rampart.Policy.DkimSigning"), i.Clock,
                i.Listener.Limits.MaxHeaderSize)),
    ];

    /// <summary>
    /// Who is never greylisted: relay networks, the listener's ip_allow and greylisting's own allow list, authenticated
    /// users, and clients a DNS allow list vouches for (a negative dns_lists finding; last, though as cheap: the
    /// findings are already in the session).
    /// </summary>
    private static List<IGreylistExemption> GreylistExemptionsFor(ListenerOptions l) =>
    [
        new NetworkExemption("relay network", l.RelayNetworks),
        new NetworkExemption("ip_allow", l.IpAllow),
        new NetworkExemption("allow list", l.Greylisting!.Allow),
        new AuthenticatedExemption(),
        new DnsAllowListExemption(),
    ];

    /// <summary>The administrator's newer Public Suffix List, or the one shipped with the product.</summary>
    private static Policy.PublicSuffixes.PublicSuffixList PublicSuffixes(string? path) =>
        path is null ? Policy.PublicSuffixes.PublicSuffixList.Default : Policy.PublicSuffixes.PublicSuffixList.Cached(path);

    /// <summary>
    /// The names of the filters a listener's options give it, in table order, without composing anything: what
    /// <c>rampart check-config</c> shows. Every row's condition reads only the options, so the parts are never made.
    /// </summary>
    public static IEnumerable<string> NamesFor(ListenerOptions listener, Policy.Scoring.ScoringOptions? scoring,
        Policy.DkimSigning.DkimSigningOptions? dkimSigning = null, Policy.HeaderHygiene.HeaderHygieneOptions? headerHygiene = null)
    {
        var options = new FilterInputs(listener, [], NotComposed<IRateStore>, null!, _ => NotComposed<VirusScanService>(),
            Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, TimeProvider.System, NotComposed<Dns.IDnsResolver>,
            NotComposed<IGreylistStore>, scoring, DkimSigning: dkimSigning, HeaderHygiene: headerHygiene);
        return RowsFor(options).Select(row => row.Filter);
    }

    private static T NotComposed<T>() => throw new InvalidOperationException("a filter's parts are made only when composing");

    /// <summary>The rows this listener has, in table order.</summary>
    public static IEnumerable<Row> RowsFor(FilterInputs inputs) => Table.Where(row => row.When(inputs));

    public static PolicyChain Chain(FilterInputs inputs) => new(RowsFor(inputs).Select(row => row.Make(inputs)).ToList(), inputs.Metrics);
}
