using System.Net;
using Microsoft.Extensions.Logging;
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
            Routes = root.Items("routes").Select(ReadRoute).ToList(),
        };
        root.Finish();
        if (options.Listeners.Count == 0) throw root.Error("listeners", "at least one listener is required");
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
        var defaults = new QueueOptions();
        if (section is null) return defaults;
        var retries = section.List("retry_intervals")
            .Select(t => Section.ParseDuration(t, TimeSpan.FromMilliseconds(10), TimeSpan.FromDays(1))
                ?? throw section.Error("retry_intervals", $"'{t}' is not a duration from 10ms to 1d"))
            .ToList();
        var queue = new QueueOptions
        {
            DeliveryWorkers = section.Int("delivery_workers", defaults.DeliveryWorkers, 1, 1024),
            RetryIntervals = retries.Count > 0 ? retries : defaults.RetryIntervals,
        };
        section.Finish();
        return queue;
    }

    private static List<ListenerOptions> ReadListeners(Section root, string baseDir)
    {
        var listeners = new List<ListenerOptions>();
        foreach (var (name, s) in root.Named("listeners"))
        {
            var role = s.RequiredString("role").ToLowerInvariant() switch
            {
                "inbound" => ListenerRole.Inbound,
                "outbound" => ListenerRole.Outbound,
                "submission" => ListenerRole.Submission,
                var other => throw s.Error("role", $"'{other}' is not one of inbound, outbound, submission"),
            };
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

    private static RouteOptions ReadRoute(Section s)
    {
        var transport = s.RequiredString("transport").ToLowerInvariant() switch
        {
            "drop" => TransportKind.Drop,
            "smtp" => TransportKind.Smtp,
            var other => throw s.Error("transport", $"'{other}' is not one of drop, smtp"),
        };
        var domains = s.List("domains");
        if (domains.Count == 0) throw s.Error("domains", "is required (use \"*\" for every other domain)");
        foreach (var domain in domains)
        {
            if (domain != "*" && !AddressParser.IsDomain(domain)) throw s.Error("domains", $"'{domain}' is not a domain name or \"*\"");
        }
        var route = new RouteOptions
        {
            Domains = domains,
            Transport = transport,
            Path = transport == TransportKind.Drop ? s.String("path", "drop") : null,
            Host = transport == TransportKind.Smtp ? s.RequiredString("host") : null,
            Port = transport == TransportKind.Smtp ? s.Int("port", 25, 1, 65535) : 25,
        };
        s.Finish();
        return route;
    }
}
