using Rampart.Mail.Metrics;
using Rampart.Policy.Antivirus;
using Rampart.Policy.Spam;

namespace Rampart.Gateway;

/// <summary>What a scanner the mail waits for is: when it cannot answer, mail is answered 451 (on_failure: tempfail).</summary>
internal sealed record RequiredScanner(string Name, Func<CancellationToken, Task<bool>> AnswersAsync);

public sealed partial class Gateway
{
    private volatile bool draining;
    private OpenTelemetry.Metrics.MeterProvider? exporter;

    /// <summary>The collection behind /metrics, when an admin listener serves it; made before any mail moves.</summary>
    internal OpenTelemetry.Metrics.MeterProvider? Exporter => exporter;

    /// <summary>Stop has begun: the listeners are closing or closed, and a load balancer should send mail elsewhere.</summary>
    public bool IsDraining => draining;

    /// <summary>The gateway's instruments (docs/metrics.md), for the exporter.</summary>
    public RampartMetrics Metrics => core?.Metrics ?? throw new InvalidOperationException("not started");

    /// <summary>Why MAIL FROM is answered 452 4.3.1 now (queue disk or memory short), or null.</summary>
    internal string? Shortage() => core?.Resources.Shortage();

    /// <summary>
    /// The scanners of the configuration in force whose failure makes mail wait (antivirus and Rspamd with
    /// on_failure: tempfail), each with a probe: clamd or ICAP asked for its signature version on the snapshot's own
    /// pool, Rspamd's port connected to.
    /// </summary>
    internal IReadOnlyList<RequiredScanner> RequiredScanners()
    {
        if (current is not { } snapshot) return [];
        var required = new Dictionary<string, RequiredScanner>();
        foreach (var l in snapshot.Options.Listeners)
        {
            if (l.Antivirus is { OnFailure: ScanFailureAction.TempFail } av)
            {
                foreach (var s in av.Scanners)
                {
                    var scanner = snapshot.Scanner(s);
                    required.TryAdd(s.DisplayName, new(s.DisplayName, async ct => await scanner.SignatureVersionAsync(ct) is not null));
                }
            }
            if (l.Spam is { Rspamd: true, OnFailure: SpamFailureAction.TempFail } spam && (l.Role == Mail.ListenerRole.Inbound || spam.ScanOutbound))
            {
                var url = spam.Url;
                required.TryAdd($"rspamd {url.Authority}", new($"rspamd {url.Authority}", ct => PortAnswersAsync(url.Host, url.Port, ct)));
            }
        }
        return [.. required.Values];
    }

    private static async Task<bool> PortAnswersAsync(string host, int port, CancellationToken ct)
    {
        try
        {
            using var client = new System.Net.Sockets.TcpClient();
            await client.ConnectAsync(host, port, ct);
            return true;
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or OperationCanceledException)
        {
            return false;
        }
    }
}
