using System.Net;
using Microsoft.Extensions.Logging;
using Rampart.Delivery.Smtp;
using Rampart.Mail;
using Rampart.Smtp.Protocol;
using Rampart.Smtp.Session;

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

        var options = new GatewayOptions
        {
            Source = tree.Source,
            HostName = hostName,
            DataDir = dataDir,
            LogLevel = level,
            Tls = ReadTls(root.Child("tls"), baseDir),
            Queue = ReadQueue(root.Child("queue")),
            Listeners = ReadListeners(root, baseDir),
            Routes = ReadRoutes(root, baseDir),
            Routing = [],
            Dns = ReadDns(root.Child("dns")),
            Postmaster = "",
        };
        if (options.Listeners.Count == 0) throw root.Error("listeners", "at least one listener is required");
        var postmasterDomain = options.Listeners.SelectMany(l => l.AcceptedDomains).FirstOrDefault() ?? hostName;
        var postmaster = root.String("postmaster", $"postmaster@{postmasterDomain}")!;
        if (!AddressParser.IsMailbox(postmaster)) throw root.Error("postmaster", $"'{postmaster}' is not a mail address");
        options = options with { Routing = ReadRouting(root, options), Postmaster = postmaster };
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
        var serverText = section.String("server");
        IPAddress? server = null;
        if (serverText is not null && !IPAddress.TryParse(serverText, out server)) throw section.Error("server", $"'{serverText}' is not an IP address");
        var dns = new DnsOptions
        {
            Server = server,
            Port = section.Int("port", d.Port, 1, 65535),
            Timeout = section.Duration("timeout", d.Timeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1)),
        };
        section.Finish();
        return dns;
    }

    private static List<ListenerOptions> ReadListeners(Section root, string baseDir)
    {
        var listeners = new List<ListenerOptions>();
        foreach (var (name, s) in root.Named("listeners"))
        {
            var role = ParseRole(s, s.RequiredString("role"));
            var addressText = s.String("address", "127.0.0.1")!;
            if (!IPAddress.TryParse(addressText, out var address)) throw s.Error("address", $"'{addressText}' is not an IP address");
            var listener = new ListenerOptions
            {
                Name = name,
                Role = role,
                EndPoint = new IPEndPoint(address, s.Int("port", 0, 0, 65535)),
                AcceptedDomains = s.List("accepted_domains"),
                RelayNetworks = s.Networks("relay_networks"),
                IpAllow = s.Networks("ip_allow"),
                IpBlock = s.Networks("ip_block"),
                StartTls = s.Bool("starttls", true),
                RequireTls = s.Bool("require_tls", false),
                Tls = ReadTls(s.Child("tls"), baseDir),
                Limits = ReadLimits(s.Child("limits")),
                Auth = ReadAuth(s.Child("auth")),
            };
            if (!s.Has("port")) throw s.Error("port", "is required");
            foreach (var domain in listener.AcceptedDomains)
            {
                if (!AddressParser.IsDomain(domain)) throw s.Error("accepted_domains", $"'{domain}' is not a domain name");
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
            TlsHandshakeTimeout = s.Duration("tls_handshake_timeout", d.TlsHandshakeTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10)),
            MaxConnections = s.Int("max_connections", d.MaxConnections, 1, 1000000),
            MaxConnectionsPerClient = s.Int("max_connections_per_client", d.MaxConnectionsPerClient, 1, 1000000),
        };
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
            if (!IPAddress.TryParse(host.Host, out _) && !AddressParser.IsDomain(host.Host))
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
