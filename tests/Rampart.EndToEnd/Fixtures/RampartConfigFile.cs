namespace Rampart.EndToEnd.Fixtures;

/// <summary>Configuration files for a Rampart child process: fixed free ports, data in the test's temp folder.</summary>
public static class RampartConfigFile
{
    /// <summary>Inbound for example.test into data/drop, outbound relaying for loopback into data/outgoing.</summary>
    public static string Standard(string dataDir, int inboundPort, int outboundPort, string logLevel = "warning") => $"""
        hostname: mx.rampart.test
        data_dir: {dataDir}
        log_level: {logLevel}
        listeners:
          inbound:
            role: inbound
            address: 127.0.0.1
            port: {inboundPort}
            accepted_domains: [example.test]
          outbound:
            role: outbound
            address: 127.0.0.1
            port: {outboundPort}
            relay_networks: [127.0.0.0/8]
        routes:
          - domains: [example.test]
            transport: drop
            path: drop
          - domains: ["*"]
            transport: drop
            path: outgoing
        queue:
          retry_intervals: [100ms]

        """;

    public static string Write(string path, string yaml)
    {
        File.WriteAllText(path, yaml);
        return path;
    }
}
