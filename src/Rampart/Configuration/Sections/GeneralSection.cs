using Microsoft.Extensions.Logging;
using Rampart.Smtp.Protocol;

namespace Rampart.Configuration.Sections;

/// <summary>
/// The top-level keys that are no section of their own: hostname, data_dir, log_level, log_format, cpu_scheduling,
/// socket_completions and rate_limit_store. What they return is the start of the whole <see cref="GatewayOptions"/>, which the other
/// section readers fill in.
/// </summary>
internal static class GeneralSection
{
    private static readonly (string, LogLevel)[] LogLevels =
    [
        ("trace", LogLevel.Trace), ("debug", LogLevel.Debug), ("information", LogLevel.Information), ("info", LogLevel.Information),
        ("warning", LogLevel.Warning), ("warn", LogLevel.Warning), ("error", LogLevel.Error),
    ];

    public static GatewayOptions Read(Section root, string source, string baseDir)
    {
        var hostName = root.String("hostname", GatewayOptions.DefaultHostName)!;
        if (!AddressParser.IsDomain(hostName)) throw root.Error("hostname", $"'{hostName}' is not a host name");
        var d = new GatewayOptions
        {
            Source = source,
            HostName = hostName,
            DataDir = Path.GetFullPath(root.String("data_dir", GatewayOptions.DefaultDataDir)!, baseDir),
            // The sections are filled in by their own readers.
            Queue = new QueueOptions(),
            Listeners = [],
            Routes = [],
            Routing = [],
            Postmaster = "",
        };
        return d with
        {
            LogLevel = root.Choice("log_level", d.LogLevel, LogLevels),
            LogFormat = root.Choice("log_format", d.LogFormat, ("text", LogFormat.Text), ("json", LogFormat.Json)),
            CpuScheduling = root.Choice("cpu_scheduling", d.CpuScheduling, ("batch", CpuSchedulingPolicy.Batch), ("as_started", CpuSchedulingPolicy.AsStarted)),
            SocketCompletions = root.Choice("socket_completions", d.SocketCompletions,
                ("inline", SocketCompletionMode.Inline), ("thread_pool", SocketCompletionMode.ThreadPool)),
        };
    }

    /// <summary>Read after the sections, as it always was, so that a file with two mistakes names the same one first.</summary>
    public static RateStoreKind ReadRateLimitStore(Section root, RateStoreKind fallback) =>
        root.Choice("rate_limit_store", fallback, ("memory", RateStoreKind.Memory), ("sqlite", RateStoreKind.Sqlite));
}
