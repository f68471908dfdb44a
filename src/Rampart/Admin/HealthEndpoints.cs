using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Rampart.Admin;

/// <summary>
/// The open endpoints for machines (docs/metrics.md): /metrics in Prometheus text (OpenTelemetry's exporter over the
/// gateway's "Rampart" meter, <see cref="MetricsExporter"/>), /health/live (the process answers HTTP) and /health/ready (503 with the reasons while
/// draining, under back pressure or with a required scanner down), on ASP.NET Core's health checks.
/// </summary>
internal static class HealthEndpoints
{
    private const string ReadyTag = "ready";

    public static void AddServices(IServiceCollection services, Gateway.Gateway gateway, Microsoft.Extensions.Logging.ILoggerFactory loggers)
    {
        services.AddSingleton(new Readiness(gateway, loggers.CreateLogger("Rampart.Health"), gateway.Clock));
        services.AddHealthChecks().AddCheck<ReadinessCheck>("gateway", tags: [ReadyTag]);
    }

    public static void Map(WebApplication app, Gateway.Gateway gateway)
    {
        if (gateway.Exporter is { } exporter) app.MapPrometheusScrapingEndpoint("/metrics", exporter, null, null!);
        // Live: the process answers, whatever the gateway's state (no check is run).
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = (c, _) => WriteAsync(c, "live\n") });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteReadyAsync });
    }

    /// <summary>Plain text: "ready" or "not ready", then one reason per line (what a person reading a balancer's log wants).</summary>
    private static Task WriteReadyAsync(HttpContext context, HealthReport report)
    {
        var text = new StringBuilder(report.Status == HealthStatus.Healthy ? "ready\n" : "not ready\n");
        foreach (var entry in report.Entries.Values)
        {
            if (entry.Data.TryGetValue("reasons", out var reasons) && reasons is IEnumerable<string> lines)
            {
                foreach (var line in lines) text.Append(line).Append('\n');
            }
        }
        return WriteAsync(context, text.ToString());
    }

    private static Task WriteAsync(HttpContext context, string text)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsync(text);
    }

    private sealed class ReadinessCheck(Readiness readiness) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
        {
            var problems = await readiness.ProblemsAsync(ct);
            if (problems.Count == 0) return HealthCheckResult.Healthy();
            var reasons = problems.Select(p => p.Text).ToList();
            return HealthCheckResult.Unhealthy(string.Join("; ", reasons), data: new Dictionary<string, object> { ["reasons"] = reasons });
        }
    }
}
