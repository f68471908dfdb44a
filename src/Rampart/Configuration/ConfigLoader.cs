using System.Net;
using Microsoft.Extensions.Logging;
using Rampart.Delivery.Smtp;
using Rampart.Mail;
using Rampart.Policy.Connection;
using Rampart.Policy.Recipients;
using Rampart.Policy.Relay;
using Rampart.Smtp.Protocol;
using Rampart.Smtp.Session;
using Rampart.Smtp.Transport;

namespace Rampart.Configuration;

/// <summary>
/// Reads the configuration file (or the embedded default when there is none), applies environment
/// overrides, and validates everything before anything starts. Errors name the file, line, key and
/// what is wrong; the host prints them and exits non-zero.
/// </summary>
public static class ConfigLoader
{
    public const string EmbeddedName = "(embedded default)";

    public static GatewayOptions Load(string? path, IEnumerable<KeyValuePair<string, string>>? environment = null)
    {
        string text;
        string source;
        if (path is null)
        {
            using var stream = typeof(ConfigLoader).Assembly.GetManifestResourceStream("Rampart.Configuration.default.yaml")!;
            text = new StreamReader(stream).ReadToEnd();
            source = EmbeddedName;
        }
        else
        {
            try
            {
                text = File.ReadAllText(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new ConfigException($"{path}: cannot read the configuration file: {ex.Message}");
            }
            source = path;
        }

        var tree = YamlTree.Parse(source, text);
        tree.ApplyEnvironment(environment ?? Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .Select(e => new KeyValuePair<string, string>((string)e.Key, (string?)e.Value ?? "")));
        return Bind(tree, path is null ? Directory.GetCurrentDirectory() : Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    private static GatewayOptions Bind(YamlTree tree, string baseDir)
    {
        var root = new Section(tree, tree.Root, "");
        var hostName = root.String("hostname", "localhost")!;
        if (!AddressParser.IsDomain(hostName)) throw root.Error("hostname", $"'{hostName}' is not a host name");

        var dataDir = Path.GetFullPath(root.String("data_dir", "./data")!, baseDir);
        var level = root.String("log_level", "information")!.ToLowerInvariant() switch
        {
            "trace" => LogLevel.Trace,
            "debug" => LogLevel.Debug,
            "information" or "info" => LogLevel.Information,
            "warning" or "warn" => LogLevel.Warning,
            "error" => LogLevel.Error,
            var other => throw root.Error("log_level", $"'{other}' is not one of trace, debug, information, warning, error"),
        };
        var format = root.Choice("log_format", "text", ("text", LogFormat.Text), ("json", LogFormat.Json));

        var routes = ReadRoutes(root, baseDir); // before the listeners: a recipient callout names a route
        var scanners = ContentFilterConfig.ReadScanners(root); // likewise: a listener's antivirus names scanners
        var options = new GatewayOptions
        {
            Source = tree.Source,
            HostName = hostName,
            DataDir = dataDir,
            LogLevel = level,
            LogFormat = format,
            Tls = ReadTls(root.Child("tls"), baseDir),
            Queue = ReadQueue(root.Child("queue")),
            Listeners = ReadListeners(root, baseDir, routes, scanners),
            Scanners = scanners,
            Quarantine = ContentFilterConfig.ReadQuarantine(root.Child("quarantine")),
            Routes = routes,
            Routing = [],
            Dns = ReadDns(root.Child("dns")),
            RateLimitStore = root.String("rate_limit_store", "memory")!.ToLowerInvariant() switch
            {
                "memory" => RateStoreKind.Memory,
                "sqlite" => RateStoreKind.Sqlite,
                var other => throw root.Error("rate_limit_store", $"'{other}' is not one of memory, sqlite"),
            },
            Postmaster = "",
        };
        if (options.Listeners.Count == 0) throw root.Error("listeners", "at least one listener is required");
        var postmasterDomain = options.Listeners.SelectMany(l => l.AcceptedDomains).FirstOrDefault()?.Name ?? hostName;
        var postmaster = root.String("postmaster", $"postmaster@{postmasterDomain}")!;
        if (!AddressParser.IsMailbox(postmaster)) throw root.Error("postmaster", $"'{postmaster}' is not a mail address");
        var doubleBounce = root.Choice("double_bounce", "discard",
            ("discard", Delivery.Bounces.DoubleBounce.Discard), ("postmaster", Delivery.Bounces.DoubleBounce.Postmaster));
        options = options with { Routing = ReadRouting(root, options), Postmaster = postmaster, DoubleBounce = doubleBounce };
        // Notices are routed as outbound mail from no listener; one that cannot reach the postmaster is lost.
        var postmasterDomainPart = postmaster[(postmaster.LastIndexOf('@') + 1)..];
        if (options.Routing.Count > 0 && !options.Routing.Any(r => r.Listener is null && r.Role is null or ListenerRole.Outbound
                && r.Domains.Any(d => Delivery.RoutingRule.DomainMatches(d, postmasterDomainPart))))
        {
            throw root.Error(root.Has("postmaster") ? "postmaster" : "routing",
                $"no routing rule takes notices to {postmaster}: add one for {postmasterDomainPart} (or \"*\") without a listener and with role outbound or none");
        }
        root.Finish();
        return options;
    }

    private static TlsOptions? ReadTls(Section? section, string baseDir)
    {
        if (section is null) return null;
        var cert = Path.GetFullPath(section.RequiredString("certificate"), baseDir);
        var key = Path.GetFullPath(section.RequiredString("key"), baseDir);
        if (!File.Exists(cert)) throw section.Error("certificate", $"file '{cert}' does not exist");
        if (!File.Exists(key)) throw section.Error("key", $"file '{key}' does not exist");
        section.Finish();
        return new TlsOptions(cert, key);
    }

    private static QueueOptions ReadQueue(Section? section)
    {
        var d = new QueueOptions();
        if (section is null) return d;
        var warning = section.Duration("delay_warning", d.DelayWarning ?? TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromDays(30));
        var queue = new QueueOptions
        {
            MaxConnections = section.Int("max_connections", d.MaxConnections, 1, 10000),
            RetryInitial = section.Duration("retry_initial", d.RetryInitial, TimeSpan.FromMilliseconds(10), TimeSpan.FromDays(1)),
            RetryMax = section.Duration("retry_max", d.RetryMax, TimeSpan.FromMilliseconds(10), TimeSpan.FromDays(1)),
            MaxQueueTime = section.Duration("max_queue_time", d.MaxQueueTime, TimeSpan.FromSeconds(1), TimeSpan.FromDays(60)),
            DelayWarning = warning == TimeSpan.Zero ? null : warning,
            MinFreeDisk = section.Size("min_free_disk", d.MinFreeDisk, 0, long.MaxValue),
            MinFreeMemory = section.Size("min_free_memory", d.MinFreeMemory, 0, long.MaxValue),
        };
        if (queue.RetryMax < queue.RetryInitial) throw section.Error("retry_max", "must not be shorter than retry_initial");
        section.Finish();
        return queue;
    }

    private static DnsOptions ReadDns(Section? section)
    {
        var d = new DnsOptions();
        if (section is null) return d;
        var server = section.Address("server");
        var dns = new DnsOptions
        {
            Server = server,
            Port = section.Int("port", d.Port, 1, 65535),
            Timeout = section.Duration("timeout", d.Timeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1)),
        };
        section.Finish();
        return dns;
    }

    private static List<ListenerOptions> ReadListeners(Section root, string baseDir, List<RouteOptions> routes, List<Policy.Antivirus.ScannerOptions> scanners)
    {
        var listeners = new List<ListenerOptions>();
        var calloutCaps = new Dictionary<string, int>();
        foreach (var (name, s) in root.Named("listeners"))
        {
            var role = ParseRole(s, s.RequiredString("role"));
            var address = s.Address("address", "127.0.0.1")!;
            var listener = new ListenerOptions
            {
                Name = name,
                Role = role,
                EndPoint = new IPEndPoint(address, s.Int("port", 0, 0, 65535)),
                AcceptedDomains = ReadAcceptedDomains(s),
                RelayNetworks = s.Networks("relay_networks"),
                IpAllow = s.Networks("ip_allow"),
                IpBlock = s.Networks("ip_block"),
                StartTls = s.Bool("starttls", true),
                RequireTls = s.Bool("require_tls", false),
                Tls = ReadTls(s.Child("tls"), baseDir),
                Limits = ReadLimits(s.Child("limits")),
                SenderFilter = ReadSenderFilter(s.Child("sender_filter"), role),
                RateLimits = ReadRateLimits(s.Child("rate_limits")),
                Recipients = ReadRecipients(s.Child("recipients"), baseDir, routes, calloutCaps),
                ProxyProtocol = ReadProxyProtocol(s.Child("proxy_protocol")),
                Auth = ReadAuth(s.Child("auth")),
                Attachments = ContentFilterConfig.ReadAttachments(s.Child("attachments")),
                Antivirus = ContentFilterConfig.ReadAntivirus(s.Child("antivirus"), scanners),
            };
            if (!s.Has("port")) throw s.Error("port", "is required");
            if (ContentFilterConfig.ScanSizeWarning(s.Child("antivirus"), listener.Limits.MaxMessageSize, listener.Antivirus) is { } warning)
            {
                listener = listener with { Warnings = [warning] };
            }
            if (role != ListenerRole.Inbound && listener.Recipients is not null)
            {
                throw s.Error("recipients", "recipient validation is for inbound listeners (mail for our own domains)");
            }
            if (role == ListenerRole.Inbound && listener.AcceptedDomains.Count == 0)
            {
                throw s.Error("accepted_domains", "an inbound listener needs at least one accepted domain: it accepts mail only for them");
            }
            if (role == ListenerRole.Inbound && listener.RelayNetworks.Count > 0)
            {
                throw s.Error("relay_networks", "an inbound listener never relays; put relaying clients on an outbound listener");
            }
            if (role == ListenerRole.Inbound && listener.Auth is not null)
            {
                throw s.Error("auth", "an inbound listener never offers AUTH: it takes mail from the internet, which has no users here; put AUTH on an outbound or submission listener");
            }
            if (listener.Auth is not null && !listener.StartTls)
            {
                throw s.Error("auth", "needs starttls: true, because AUTH is accepted only inside TLS");
            }
            if (listener.RequireTls && !listener.StartTls) throw s.Error("require_tls", "needs starttls: true");
            if (listener.EndPoint.Port != 0 && listeners.FirstOrDefault(l => Overlaps(l.EndPoint, listener.EndPoint)) is { } clash)
            {
                throw s.Error("port", $"{listener.EndPoint} is already used by listener '{clash.Name}'");
            }
            s.Finish();
            listeners.Add(listener);
        }
        return listeners;
    }

    /// <summary>Plain names (authoritative, exact) or sections {domain, type, subdomains}, mixed freely.</summary>
    private static List<AcceptedDomain> ReadAcceptedDomains(Section s)
    {
        var domains = new List<AcceptedDomain>();
        foreach (var (value, section, where) in s.Entries("accepted_domains"))
        {
            AcceptedDomain domain;
            if (section is null)
            {
                if (value!.Length == 0) continue;
                if (!AddressParser.IsDomain(value)) throw s.Error("accepted_domains", $"'{value}' is not a domain name");
                domain = new AcceptedDomain(value);
            }
            else
            {
                var name = section.RequiredString("domain");
                if (!AddressParser.IsDomain(name)) throw section.Error("domain", $"'{name}' is not a domain name");
                var type = section.String("type", "authoritative")!.ToLowerInvariant() switch
                {
                    "authoritative" => DomainType.Authoritative,
                    "internal_relay" => DomainType.InternalRelay,
                    var other => throw section.Error("type", $"'{other}' is not one of authoritative, internal_relay"),
                };
                domain = new AcceptedDomain(name, type, section.Bool("subdomains", false));
                section.Finish();
            }
            if (domains.Any(d => d.Name.Equals(domain.Name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new ConfigException($"{where}: '{domain.Name}' is listed twice");
            }
            domains.Add(domain);
        }
        return domains;
    }

    private static RecipientOptions? ReadRecipients(Section? s, string baseDir, List<RouteOptions> routes, Dictionary<string, int> calloutCaps)
    {
        if (s is null) return null;
        var d = new RecipientOptions();
        var file = s.String("file") is { } f ? Path.GetFullPath(f, baseDir) : null;
        if (file is not null && !File.Exists(file)) throw s.Error("file", $"file '{file}' does not exist");
        var ldap = ReadLdap(s.Child("ldap"), baseDir);
        CalloutOptions? callout = null;
        if (s.Child("callout") is { } c)
        {
            var co = new CalloutOptions { Route = c.RequiredString("route") };
            var route = routes.FirstOrDefault(r => r.Name == co.Route) ?? throw c.Error("route", $"there is no route named '{co.Route}'");
            if (route.Transport != TransportKind.Smtp) throw c.Error("route", $"route '{co.Route}' has no smart hosts to ask (needs transport: smtp)");
            callout = co with
            {
                PositiveTtl = c.Duration("positive_ttl", co.PositiveTtl, TimeSpan.Zero, TimeSpan.FromDays(30)),
                NegativeTtl = c.Duration("negative_ttl", co.NegativeTtl, TimeSpan.Zero, TimeSpan.FromDays(30)),
                Timeout = c.Duration("timeout", co.Timeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5)),
                MaxConcurrent = c.Int("max_concurrent", co.MaxConcurrent, 1, 1000),
                SlotWait = c.Duration("slot_wait", co.SlotWait, TimeSpan.Zero, TimeSpan.FromMinutes(5)),
            };
            // The cap is the route's, shared by every listener that asks it: two different numbers cannot both hold.
            if (calloutCaps.TryGetValue(co.Route, out int other) && other != callout.MaxConcurrent)
            {
                throw c.Error("max_concurrent", $"route '{co.Route}' already has max_concurrent {other} from another listener's callout; the cap is per route");
            }
            calloutCaps[co.Route] = callout.MaxConcurrent;
            c.Finish();
        }
        var recipients = new RecipientOptions
        {
            File = file,
            Ldap = ldap,
            Callout = callout,
            TarpitAfter = s.Int("tarpit_after", d.TarpitAfter, 0, 1000),
            TarpitDelay = s.Duration("tarpit_delay", d.TarpitDelay, TimeSpan.Zero, TimeSpan.FromMinutes(1)),
        };
        if (file is null && ldap is null && callout is null) throw s.Error("needs at least one source: file, ldap or callout");
        s.Finish();
        return recipients;
    }

    private static LdapOptions? ReadLdap(Section? s, string baseDir)
    {
        if (s is null) return null;
        var urlText = s.RequiredString("url");
        if (!Uri.TryCreate(urlText, UriKind.Absolute, out var url) || url.Scheme is not ("ldap" or "ldaps") || url.Host.Length == 0)
        {
            throw s.Error("url", $"'{urlText}' is not ldap://host[:port] or ldaps://host[:port]");
        }
        // System.Uri turns "0x7f.1" into 127.0.0.1 and the LDAP library's resolver "010.0.0.1" into 8.0.0.1.
        if (IpSyntax.HasLooseHost(urlText)) throw s.Error("url", $"the host of '{urlText}' is not a strictly written IP address: {IpSyntax.Rule}");
        var bindDn = s.String("bind_dn");
        string? password = null;
        if (s.String("password_file") is { } pf)
        {
            var path = Path.GetFullPath(pf, baseDir);
            try
            {
                // The first line only: files written with echo end in a newline that is no part of the password.
                password = File.ReadLines(path).FirstOrDefault() ?? "";
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw s.Error("password_file", $"cannot read '{path}': {ex.Message}");
            }
        }
        if (bindDn is not null && password is null) throw s.Error("bind_dn", "needs password_file");
        if (bindDn is null && password is not null) throw s.Error("password_file", "needs bind_dn");
        var filter = s.String("filter", LdapSettings.DefaultFilter)!;
        if (!filter.StartsWith('(') || !filter.EndsWith(')') || !filter.Contains("%s", StringComparison.Ordinal))
        {
            throw s.Error("filter", $"'{filter}' is not an LDAP filter in parentheses with %s where the address goes");
        }
        var d = new LdapOptions(new LdapSettings { Url = url, BaseDn = "" });
        var ldap = new LdapOptions(new LdapSettings
        {
            Url = url,
            BaseDn = s.RequiredString("base_dn"),
            BindDn = bindDn,
            Password = password,
            Filter = filter,
            Timeout = s.Duration("timeout", d.Settings.Timeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1)),
        })
        {
            CacheTtl = s.Duration("cache_ttl", d.CacheTtl, TimeSpan.Zero, TimeSpan.FromDays(1)),
            NegativeCacheTtl = s.Duration("negative_cache_ttl", d.NegativeCacheTtl, TimeSpan.Zero, TimeSpan.FromDays(1)),
        };
        s.Finish();
        return ldap;
    }

    private static ProxyProtocolOptions? ReadProxyProtocol(Section? s)
    {
        if (s is null) return null;
        var trusted = s.Networks("trusted");
        // Without trusted balancers every connection would be dropped: refuse the config instead of a dead listener.
        if (trusted.Count == 0) throw s.Error("trusted", "list the load balancers' addresses: only they may send a PROXY header");
        var proxy = new ProxyProtocolOptions
        {
            Trusted = trusted,
            Timeout = s.Duration("timeout", new ProxyProtocolOptions { Trusted = trusted }.Timeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5)),
        };
        s.Finish();
        return proxy;
    }

    private static AuthOptions? ReadAuth(Section? s)
    {
        if (s is null) return null;
        var d = new Rampart.Auth.FailureLimits();
        var mechanisms = new List<string>();
        foreach (var m in s.Has("mechanisms") ? s.List("mechanisms") : ["plain", "login"])
        {
            var name = m.ToUpperInvariant();
            if (name is not (Sasl.Plain or Sasl.Login or Sasl.ScramSha256)) throw s.Error("mechanisms", $"'{m}' is not one of plain, login, scram-sha-256");
            if (!mechanisms.Contains(name)) mechanisms.Add(name);
        }
        if (mechanisms.Count == 0) throw s.Error("mechanisms", "needs at least one of plain, login, scram-sha-256");
        var limits = new Rampart.Auth.FailureLimits
        {
            MaxFailures = s.Int("max_failures", d.MaxFailures, 1, 1000),
            Lockout = s.Duration("lockout", d.Lockout, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1)),
            Delay = s.Duration("failure_delay", d.Delay, TimeSpan.Zero, TimeSpan.FromMinutes(1)),
            MaxDelay = s.Duration("max_failure_delay", d.MaxDelay, TimeSpan.Zero, TimeSpan.FromMinutes(5)),
        };
        s.Finish();
        return new AuthOptions(mechanisms, limits);
    }

    private static ListenerRole ParseRole(Section s, string text) => text.ToLowerInvariant() switch
    {
        "inbound" => ListenerRole.Inbound,
        "outbound" => ListenerRole.Outbound,
        "submission" => ListenerRole.Submission,
        var other => throw s.Error("role", $"'{other}' is not one of inbound, outbound, submission"),
    };

    /// <summary>Same port on the same address, or on a wildcard address that covers the other.</summary>
    private static bool Overlaps(IPEndPoint a, IPEndPoint b) =>
        a.Port == b.Port && (a.Address.Equals(b.Address) || IsWildcard(a.Address) || IsWildcard(b.Address));

    private static bool IsWildcard(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);

    private static RateLimits ReadRateLimits(Section? s)
    {
        if (s is null) return new RateLimits();
        var limits = new RateLimits(
            s.Int("connections_per_minute", 0, 0, 1_000_000),
            s.Int("messages_per_minute", 0, 0, 1_000_000),
            s.Int("recipients_per_minute", 0, 0, 10_000_000));
        s.Finish();
        return limits;
    }

    private static SenderFilterOptions ReadSenderFilter(Section? s, ListenerRole role)
    {
        bool inbound = role == ListenerRole.Inbound;
        if (s is null) return new SenderFilterOptions { RefuseOwnDomains = inbound };
        var block = s.List("block");
        foreach (var pattern in block)
        {
            var domain = pattern.Contains('@') ? pattern[(pattern.LastIndexOf('@') + 1)..] : pattern.TrimStart('.');
            bool ok = pattern.Contains('@') && !pattern.StartsWith('@') ? AddressParser.IsMailbox(pattern) : AddressParser.IsDomain(domain);
            if (!ok) throw s.Error("block", $"'{pattern}' is not an address, a domain, \"@domain\" or \".domain\"");
        }
        var options = new SenderFilterOptions
        {
            Block = block,
            RefuseOwnDomains = s.Bool("refuse_own_domains", inbound),
            OwnDomainsFrom = s.Networks("own_domains_from"),
        };
        if (options.RefuseOwnDomains && !inbound) throw s.Error("refuse_own_domains", "applies to inbound listeners only: inside senders use our domains by right");
        s.Finish();
        return options;
    }

    private static SmtpLimits ReadLimits(Section? s)
    {
        var d = new SmtpLimits();
        if (s is null) return d;
        var limits = new SmtpLimits
        {
            MaxCommandLine = s.Int("max_command_line", d.MaxCommandLine, 512, 65536),
            MaxTextLine = s.Int("max_text_line", d.MaxTextLine, 998, 16 * 1024 * 1024),
            MaxMessageSize = s.Size("max_message_size", d.MaxMessageSize, 1024, 2L * 1024 * 1024 * 1024),
            MaxRecipients = s.Int("max_recipients", d.MaxRecipients, 1, 100000),
            MaxMessagesPerConnection = s.Int("max_messages_per_connection", d.MaxMessagesPerConnection, 1, 1000000),
            MaxErrors = s.Int("max_errors", d.MaxErrors, 1, 1000),
            MaxReceivedHeaders = s.Int("max_received_headers", d.MaxReceivedHeaders, 1, 1000),
            CommandTimeout = s.Duration("command_timeout", d.CommandTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1)),
            DataTimeout = s.Duration("data_timeout", d.DataTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1)),
            GreetingDelay = s.Duration("greeting_delay", d.GreetingDelay, TimeSpan.Zero, TimeSpan.FromMinutes(1)),
            TlsHandshakeTimeout = s.Duration("tls_handshake_timeout", d.TlsHandshakeTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10)),
            MaxSessionDuration = s.Duration("max_session_duration", d.MaxSessionDuration, TimeSpan.FromMilliseconds(100), TimeSpan.FromDays(1)),
            MaxDataDuration = s.Duration("max_data_duration", d.MaxDataDuration, TimeSpan.FromMilliseconds(100), TimeSpan.FromDays(1)),
            MinDataRate = s.Int("min_data_rate", d.MinDataRate, 0, 1_000_000_000),
            MinDataRateGrace = s.Duration("min_data_rate_grace", d.MinDataRateGrace, TimeSpan.Zero, TimeSpan.FromHours(1)),
            MaxJunkCommands = s.Int("max_junk_commands", d.MaxJunkCommands, 1, 1000000),
            MaxConnections = s.Int("max_connections", d.MaxConnections, 1, 1000000),
            MaxConnectionsPerClient = s.Int("max_connections_per_client", d.MaxConnectionsPerClient, 1, 1000000),
        };
        // Unset, it follows a max_message_size set below it; set, it must fit in the message.
        limits = limits with
        {
            MaxHeaderSize = s.Size("max_header_size", Math.Min(d.MaxHeaderSize, limits.MaxMessageSize), 1024, 2L * 1024 * 1024 * 1024),
        };
        if (limits.MaxHeaderSize > limits.MaxMessageSize)
        {
            throw s.Error("max_header_size", $"must not be larger than max_message_size ({limits.MaxMessageSize} bytes)");
        }
        s.Finish();
        return limits;
    }

    private static List<RouteOptions> ReadRoutes(Section root, string baseDir)
    {
        var routes = new List<RouteOptions>();
        foreach (var (name, s) in root.Named("routes"))
        {
            var transport = s.RequiredString("transport").ToLowerInvariant() switch
            {
                "drop" => TransportKind.Drop,
                "smtp" => TransportKind.Smtp,
                "mx" => TransportKind.Mx,
                var other => throw s.Error("transport", $"'{other}' is not one of drop, smtp, mx"),
            };
            var route = new RouteOptions { Name = name, Transport = transport };
            if (transport == TransportKind.Drop)
            {
                route = route with { Path = s.String("path", name) };
            }
            else
            {
                var tls = s.String("tls", "opportunistic")!.ToLowerInvariant() switch
                {
                    "none" => TlsPolicy.None,
                    "opportunistic" => TlsPolicy.Opportunistic,
                    "required" => TlsPolicy.Required,
                    "verified" => TlsPolicy.Verified,
                    var other => throw s.Error("tls", $"'{other}' is not one of none, opportunistic, required, verified"),
                };
                var ca = s.String("tls_ca") is { } caText ? Path.GetFullPath(caText, baseDir) : null;
                if (ca is not null && !File.Exists(ca)) throw s.Error("tls_ca", $"file '{ca}' does not exist");
                var pins = s.List("tls_fingerprints");
                foreach (var pin in pins)
                {
                    var hex = pin.Replace(":", "");
                    if (hex.Length != 64 || !hex.All(char.IsAsciiHexDigit)) throw s.Error("tls_fingerprints", $"'{pin}' is not a SHA-256 fingerprint (64 hex digits, colons allowed)");
                }
                if ((ca is not null || pins.Count > 0) && tls != TlsPolicy.Verified) throw s.Error("tls", "tls_ca and tls_fingerprints need tls: verified");
                route = route with
                {
                    Tls = tls,
                    TlsCaFile = ca,
                    TlsFingerprints = pins,
                    ClientCertificate = ReadTls(s.Child("client_certificate"), baseDir),
                    MaxConnections = s.Int("max_connections", route.MaxConnections, 1, 1000),
                    Hosts = transport == TransportKind.Smtp ? ReadSmartHosts(s) : [],
                    Port = transport == TransportKind.Mx ? s.Int("port", 25, 1, 65535) : 25,
                };
            }
            s.Finish();
            routes.Add(route);
        }
        return routes;
    }

    /// <summary>"host", "host:port", "[v6]:port", or a section {host, port, priority}.</summary>
    private static List<SmartHost> ReadSmartHosts(Section s)
    {
        var hosts = new List<SmartHost>();
        foreach (var (value, section, where) in s.Entries("hosts"))
        {
            SmartHost host;
            if (section is not null)
            {
                host = new SmartHost(section.RequiredString("host"), section.Int("port", 25, 1, 65535), section.Int("priority", 0, 0, 65535));
                section.Finish();
            }
            else
            {
                host = ParseHostPort(value!) ?? throw new ConfigException($"{where}: '{value}' is not host, host:port or [address]:port");
            }
            // A host the platform reads as an address must be written as one: "010.0.0.5" would be dialled as 8.0.0.5.
            if (IpSyntax.IsLooseAddress(host.Host)) throw new ConfigException($"{where}: {Section.NotStrict(host.Host)}");
            if (!IpSyntax.TryParseAddress(host.Host, out _) && !AddressParser.IsDomain(host.Host))
            {
                throw new ConfigException($"{where}: '{host.Host}' is not a host name or IP address");
            }
            hosts.Add(host);
        }
        if (hosts.Count == 0) throw s.Error("hosts", "an smtp route needs at least one smart host (or use transport: mx)");
        return hosts;
    }

    private static SmartHost? ParseHostPort(string text)
    {
        var t = text.Trim();
        if (t.StartsWith('['))
        {
            int close = t.IndexOf(']');
            if (close < 0) return null;
            var rest = t[(close + 1)..];
            if (rest.Length == 0) return new SmartHost(t[1..close]);
            return rest[0] == ':' && int.TryParse(rest[1..], out var p6) && p6 is > 0 and < 65536 ? new SmartHost(t[1..close], p6) : null;
        }
        int colon = t.LastIndexOf(':');
        if (colon < 0 || t.Count(c => c == ':') > 1) return t.Length > 0 ? new SmartHost(t) : null;
        return int.TryParse(t[(colon + 1)..], out var port) && port is > 0 and < 65536 ? new SmartHost(t[..colon], port) : null;
    }

    private static List<RoutingRuleOptions> ReadRouting(Section root, GatewayOptions options)
    {
        var rules = new List<RoutingRuleOptions>();
        foreach (var s in root.Items("routing"))
        {
            var domains = s.List("domains");
            if (domains.Count == 0) throw s.Error("domains", "is required (use \"*\" for every other domain)");
            foreach (var domain in domains)
            {
                if (domain != "*" && !AddressParser.IsDomain(domain.TrimStart('.'))) throw s.Error("domains", $"'{domain}' is not a domain name, \".domain\" or \"*\"");
            }
            var route = s.RequiredString("route");
            if (options.Routes.All(r => r.Name != route))
            {
                throw s.Error("route", $"there is no route named '{route}' (routes: {string.Join(", ", options.Routes.Select(r => r.Name))})");
            }
            var listener = s.String("listener");
            if (listener is not null && options.Listeners.All(l => l.Name != listener))
            {
                throw s.Error("listener", $"there is no listener named '{listener}'");
            }
            ListenerRole? role = s.String("role") is { } roleText ? ParseRole(s, roleText) : null;
            s.Finish();
            rules.Add(new RoutingRuleOptions(domains, route, listener, role));
        }
        return rules;
    }
}
