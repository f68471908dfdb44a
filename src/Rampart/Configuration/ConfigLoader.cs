using System.Collections;
using Rampart.Configuration.Sections;

namespace Rampart.Configuration;

/// <summary>
/// Reads the configuration file (or the embedded default when there is none), applies environment
/// overrides, and validates everything before anything starts. Errors name the file, line, key and
/// what is wrong; the host prints them and exits non-zero. Each section has its reader in Sections/
/// (see README.md); this class only orders them and checks what ties sections together.
/// </summary>
public static class ConfigLoader
{
    public const string EmbeddedName = "(embedded default)";

    /// <param name="environment">The RAMPART__ overrides to apply; null: this process's environment.</param>
    public static GatewayOptions Load(string? path, IEnumerable<KeyValuePair<string, string>>? environment = null)
    {
        var tree = path is null ? YamlTree.Parse(EmbeddedName, EmbeddedDefault()) : YamlTree.Parse(path, ReadFile(path));
        tree.ApplyEnvironment(environment ?? ProcessEnvironment());
        return Bind(tree, path is null ? Directory.GetCurrentDirectory() : Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <param name="baseDir">What relative paths are relative to: the configuration file's folder.</param>
    private static GatewayOptions Bind(YamlTree tree, string baseDir)
    {
        var root = new Section(tree, tree.Root, "");
        var general = GeneralSection.Read(root, tree.Source, baseDir);
        var routes = RoutesSection.Read(root, baseDir); // before the listeners: a recipient callout names a route
        var scanners = ScannersSection.Read(root); // likewise: a listener's antivirus names scanners
        var options = general with
        {
            Tls = TlsSection.Read(root.Child("tls"), baseDir),
            Queue = QueueSection.Read(root.Child("queue")),
            Listeners = ListenersSection.Read(root, baseDir, routes, scanners),
            Scanners = scanners,
            Quarantine = QuarantineSection.Read(root.Child("quarantine")),
            Routes = routes,
            Dns = DnsSection.Read(root.Child("dns")),
            Scoring = ScoringSection.Read(root.Child("scoring")),
            RateLimitStore = GeneralSection.ReadRateLimitStore(root, general.RateLimitStore),
            GreylistingStore = GreylistingStoreSection.Read(root.Child("greylisting_store")),
            Admin = AdminSection.Read(root.Child("admin"), general.DataDir, baseDir),
            Tracking = TrackingSection.Read(root.Child("tracking")),
            Dane = DaneSection.Read(root.Child("dane")),
            MtaSts = MtaStsSection.Read(root.Child("mta_sts"), baseDir),
        };
        if (options.Listeners.Count == 0) throw root.Error("listeners", "at least one listener is required");
        options = ScoringSection.WarnUnauthenticated(root, options); // after both: the lists are global, the checks per listener
        options = TransportRules(options, TransportRulesSection.Read(root, options.Listeners, options.Routes, baseDir)); // rules name listeners and routes
        options = NoticesSection.Read(root, options); // after the listeners: the postmaster's domain is their first
        options = options with { Routing = RoutingSection.Read(root, options) }; // rules name routes and listeners
        options = options with
        {
            DkimSigning = DkimSigningSection.Read(root.Child("dkim_signing"), baseDir, options.Listeners), // names listeners
            HeaderHygiene = HeaderHygieneSection.Read(root.Child("header_hygiene")),
        };
        NoticesSection.CheckRouted(root, options);
        root.Finish();
        return options;
    }

    /// <summary>The rules, and on each listener those that can match there (its filter row is left out where none can).</summary>
    private static GatewayOptions TransportRules(GatewayOptions options, Policy.Rules.TransportRulesOptions? rules) => options with
    {
        TransportRules = rules,
        Listeners = [.. options.Listeners.Select(l => l with { TransportRules = rules?.For(l.Name, l.Role) })],
    };

    private static string EmbeddedDefault()
    {
        using var stream = typeof(ConfigLoader).Assembly.GetManifestResourceStream("Rampart.Configuration.default.yaml")!;
        return new StreamReader(stream).ReadToEnd();
    }

    private static string ReadFile(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"{path}: cannot read the configuration file: {ex.Message}");
        }
    }

    private static IEnumerable<KeyValuePair<string, string>> ProcessEnvironment() =>
        Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
            .Select(e => new KeyValuePair<string, string>((string)e.Key, (string?)e.Value ?? ""));
}
