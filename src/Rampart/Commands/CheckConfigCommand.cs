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
            foreach (var l in options.Listeners)
            {
                Console.WriteLine($"  listener {l.Name}: {l.Role} on {l.EndPoint}, domains [{string.Join(", ", l.AcceptedDomains)}], relay for [{string.Join(", ", l.RelayNetworks)}]");
            }
            foreach (var r in options.Routes)
            {
                Console.WriteLine($"  route [{string.Join(", ", r.Domains)}] -> {r.Transport.ToString().ToLowerInvariant()} {r.Path ?? $"{r.Host}:{r.Port}"}");
            }
            return 0;
        });
        return command;
    }
}

internal static class ConfigOutput
{
    /// <summary>Loads the configuration or prints the error (no stack trace) and returns null.</summary>
    public static GatewayOptions? LoadOrReport(FileInfo? file)
    {
        try
        {
            return ConfigLoader.Load(file?.FullName);
        }
        catch (ConfigException ex)
        {
            Console.Error.WriteLine($"rampart: configuration error: {ex.Message}");
            return null;
        }
    }
}
