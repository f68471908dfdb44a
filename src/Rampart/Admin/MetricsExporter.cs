using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Rampart.Mail.Metrics;

namespace Rampart.Admin;

/// <summary>
/// OpenTelemetry's collection of the "Rampart" meter for /metrics. Made by the gateway before it resumes the queue
/// or opens a listener, not by the admin host that serves it: a delivery or a connection in the moments before the
/// host is up would otherwise be lost to the counters (and a connection closed later would take the gauge below 0).
/// </summary>
internal static class MetricsExporter
{
    public const string RuntimeMeterName = "System.Runtime";

    public static MeterProvider Start() => Sdk.CreateMeterProviderBuilder()
        .ConfigureResource(r => r.AddService("rampart", serviceVersion: VersionText.Current))
        .AddMeter(RampartMetrics.MeterName)
        // The runtime's own meter (.NET 9 and later): collections, bytes allocated, heap size, pool threads, lock
        // contention. What an administrator graphs beside the mail counters to tell a busy gateway from a leaking one.
        .AddMeter(RuntimeMeterName)
        // Every scrape collects afresh: the series are few and bounded, and a scrape right after a message must count it.
        .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0)
        .Build();
}
