using Rampart.Testing.Processes;
using Rampart.Testing;

namespace Rampart.EndToEnd.Fixtures;

/// <summary>Configuration files for a Rampart child process: fixed free ports, data in the test's temp folder.</summary>
public static class RampartConfigFile
{
    /// <summary>
    /// The in-process tests' standard set-up (<see cref="TestGateway.StandardYaml"/>: inbound for example.test
    /// into data/drop, outbound relaying for loopback into data/outgoing) on fixed ports for a child process.
    /// </summary>
    public static string Standard(string dataDir, int inboundPort, int outboundPort, string logLevel = "warning",
        string inboundExtra = "", string outboundExtra = "")
    {
        var yaml = TestGateway.StandardYamlWith(inboundExtra, outboundExtra);
        yaml = ReplaceFirst(yaml, "port: 0", $"port: {inboundPort}");
        yaml = ReplaceFirst(yaml, "port: 0", $"port: {outboundPort}");
        return $"data_dir: {dataDir}\nlog_level: {logLevel}\n{yaml}\n";
    }

    private static string ReplaceFirst(string text, string old, string replacement)
    {
        int at = text.IndexOf(old, StringComparison.Ordinal);
        return text[..at] + replacement + text[(at + old.Length)..];
    }

    /// <summary>
    /// The standard set-up written into <paramref name="temp"/> on two fresh ports, data in temp/data; with
    /// <paramref name="admin"/>, an admin listener on a third (token in data/admin.token once started).
    /// <paramref name="inboundExtra"/> and <paramref name="outboundExtra"/> are YAML lines added to each listener,
    /// <paramref name="topExtra"/> top-level keys.
    /// </summary>
    public static StandardFiles WriteStandard(TempDirectory temp, string logLevel = "information", bool admin = false,
        string inboundExtra = "", string outboundExtra = "", string topExtra = "")
    {
        int inbound = FreePort.Next(), outbound = FreePort.Next(), adminPort = admin ? FreePort.Next() : 0;
        var dataDir = temp.File("data");
        var yaml = Standard(dataDir, inbound, outbound, logLevel, inboundExtra, outboundExtra) + (admin ? AdminYaml(adminPort) : "") + topExtra + "\n";
        var config = Write(temp.File("rampart.yaml"), yaml);
        return new StandardFiles(config, dataDir, inbound, outbound, adminPort);
    }

    /// <summary>The top-level admin section on <paramref name="port"/> of 127.0.0.1.</summary>
    public static string AdminYaml(int port) => $"admin:\n  listen: 127.0.0.1:{port}\n";

    public sealed record StandardFiles(string ConfigPath, string DataDir, int InboundPort, int OutboundPort, int AdminPort = 0);

    public static string Write(string path, string yaml)
    {
        File.WriteAllText(path, yaml);
        return path;
    }
}
