using System.CommandLine;
using Rampart.Configuration;

namespace Rampart.Commands;

/// <summary>`rampart check-config`: validate without starting, for deploy scripts and CI.</summary>
public static class CheckConfigCommand
{
    public static Command Create()
    {
        var command = new Command("check-config", "Validate the configuration and print a summary") { RampartCommandLine.ConfigOption };
        command.SetAction(result =>
        {
            var options = ConfigOutput.LoadOrReport(result.GetValue(RampartCommandLine.ConfigOption));
            if (options is null) return 2;
            Console.WriteLine($"{options.Source}: ok");
            foreach (var warning in options.Warnings) Console.WriteLine($"warning: {warning}");
            foreach (var l in options.Listeners)
            {
                Console.WriteLine($"  listener {l.Name}: {l.Role} on {l.EndPoint}, domains [{string.Join(", ", l.AcceptedDomains)}], relay for [{string.Join(", ", l.RelayNetworks)}]"
                    + (l.Auth is { } auth ? $", auth [{string.Join(", ", auth.Mechanisms)}] after STARTTLS" : ""));
                Console.WriteLine($"    checks: {string.Join(", ", Gateway.ListenerFilters.NamesFor(l, options.Scoring, options.DkimSigning, options.HeaderHygiene))}");
                if (l.Recipients is { } r)
                {
                    var sources = new[] { r.File is { } f ? $"file {f}" : null, r.Ldap is { } ld ? $"LDAP {ld.Settings.Url}" : null,
                        r.Callout is { } c ? $"callout via route {c.Route}" : null }.OfType<string>();
                    Console.WriteLine($"    recipients validated by {string.Join(", then ", sources)}; tarpit after {r.TarpitAfter} unknown");
                }
            }
            var now = DateTimeOffset.UtcNow;
            var certificates = options.Listeners.Where(l => l.StartTls)
                .Select(l => (Tls: l.Tls ?? options.Tls, Listener: l.Name)).Where(c => c.Tls is not null)
                .GroupBy(c => c.Tls!, c => c.Listener);
            foreach (var certificate in certificates)
            {
                if (!CertificateReport.Describe(certificate.Key, "listeners " + string.Join(", ", certificate), now, Console.Out, Console.Error)) return 2;
            }
            foreach (var r in options.Routes.Where(r => r.ClientCertificate is not null))
            {
                if (!CertificateReport.Describe(r.ClientCertificate!, $"route {r.Name}'s client certificate", now, Console.Out, Console.Error)) return 2;
            }
            foreach (var r in options.Routes)
            {
                var to = r.Transport switch
                {
                    TransportKind.Drop => $"drop folder {r.Path}",
                    TransportKind.Mx => $"MX hosts, port {r.Port}, tls {(r.Dane is { } dane ? (dane == Delivery.TlsPolicies.Dane.DaneMode.Mandatory ? "dane-only" : "dane") + $" (resolver {options.Dane.Resolver})" : r.Tls.ToString().ToLowerInvariant())}" + (r.MtaSts ? ", MTA-STS" : ""),
                    _ => $"smart hosts {string.Join(", ", r.Hosts.OrderBy(h => h.Priority).Select(h => $"{h} (priority {h.Priority})"))}, tls {r.Tls.ToString().ToLowerInvariant()}",
                };
                Console.WriteLine($"  route {r.Name}: {to}");
            }
            foreach (var rule in options.Routing)
            {
                var scope = (rule.Listener is null ? "" : $" from listener {rule.Listener}") + (rule.Role is null ? "" : $" received {rule.Role.ToString()!.ToLowerInvariant()}");
                Console.WriteLine($"  routing [{string.Join(", ", rule.Domains)}]{scope} -> {rule.Route}");
            }
            foreach (var rule in options.TransportRules?.Rules ?? [])
            {
                var on = options.Listeners.Where(l => rule.CouldMatch(l.Name, l.Role)).Select(l => l.Name).ToList();
                Console.WriteLine($"  transport rule {rule.Name}{(rule.Enabled ? "" : " (disabled)")}: "
                    + (rule.Conditions.Count == 0 ? "every message" : $"when {string.Join(", ", rule.Conditions.Select(c => c.Key).Distinct())}")
                    + (rule.Exceptions.Count == 0 ? "" : $" unless {string.Join(", ", rule.Exceptions.Select(c => c.Key).Distinct())}")
                    + $" -> {string.Join(", ", rule.Actions.Select(a => a.Describe).Append(rule.Stop ? "stop" : null).OfType<string>())}"
                    + $" (listeners: {(on.Count == 0 ? "none" : string.Join(", ", on))})");
            }
            foreach (var d in options.DkimSigning?.Domains.Values ?? [])
            {
                Console.WriteLine($"  dkim_signing {d.Name}: " + string.Join(", ", d.Keys.Select(k =>
                    $"selector {k.Selector} {k.AlgorithmName}{(k.Algorithm == MimeKit.Cryptography.DkimSignatureAlgorithm.RsaSha256 ? $" {k.Bits} bits" : "")} {(k.Signs ? "signs" : "published only")}")));
            }
            if (options.Routes.Any(r => r.MtaSts)) Console.WriteLine($"  MTA-STS policies cached in {Path.GetFullPath(options.MtaSts.Cache, options.DataDir)}, certificates checked against {options.MtaSts.CaFile ?? "the system's trust store"}");
            if (options.Admin is { } admin) Console.WriteLine($"  admin API on http://{admin.EndPoint}/api/, token in {admin.TokenFile}");
            return 0;
        });
        return command;
    }
}

internal static class ConfigOutput
{
    /// <summary>Loads the configuration (without a file: /etc/rampart/rampart.yaml if it exists, else the embedded
    /// default) or prints the error (no stack trace) and returns null.</summary>
    public static GatewayOptions? LoadOrReport(FileInfo? file)
    {
        try
        {
            return ConfigLoader.Load(ConfigDiscovery.Resolve(file)?.FullName);
        }
        catch (ConfigException ex)
        {
            Console.Error.WriteLine($"rampart: configuration error: {ex.Message}");
            return null;
        }
    }

    /// <summary>Prints "rampart: message" on standard error and returns the exit code.</summary>
    public static int Fail(int code, string message)
    {
        Console.Error.WriteLine($"rampart: {message}");
        return code;
    }
}
