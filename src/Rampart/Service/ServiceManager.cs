using System.Net.Sockets;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Rampart.Mail;

namespace Rampart.Service;

/// <summary>
/// Tells systemd where the gateway is in its life (sd_notify(3)), for the Debian package's <c>Type=notify</c> unit:
/// READY=1 once every listener accepts connections, STOPPING=1 when the stop begins, and RELOADING=1 then READY=1
/// around a SIGHUP reload. <c>systemctl start</c> returns once the gateway is ready; <c>systemctl reload</c> returns when
/// its <c>kill -HUP</c> does (only <c>Type=notify-reload</c>, systemd 253+, waits for READY=1), so the journal's
/// 6003/6002 line tells how the reload ended.
/// Without <c>$NOTIFY_SOCKET</c> (not started by systemd) every call does nothing.
/// </summary>
/// <remarks>
/// The datagram itself is sent by Microsoft.Extensions.Hosting.Systemd's <see cref="SystemdNotifier"/> (abstract socket
/// names, the variable's parsing), without the generic host it is usually wired into: Rampart has its own start and stop.
/// </remarks>
public sealed partial class ServiceManager(ISystemdNotifier notifier, ILogger logger)
{
    public ServiceManager(ILogger logger) : this(new SystemdNotifier(), logger)
    {
    }

    public bool IsEnabled => notifier.IsEnabled;

    public void Ready() => Notify(ServiceState.Ready);

    public void Stopping() => Notify(ServiceState.Stopping);

    /// <summary>Runs one reload between RELOADING=1 and READY=1, whatever its outcome: a refused reload keeps the running
    /// configuration, so the service is ready again either way.</summary>
    public async Task<T> ReloadingAsync<T>(Func<Task<T>> reload)
    {
        // systemd 253+ wants the CLOCK_MONOTONIC time of the request with RELOADING=1 (sd_notify(3)); older ones ignore it.
        // Stopwatch is CLOCK_MONOTONIC on Linux; this is systemd's clock, not one of Rampart's timers.
        var microseconds = TimeProvider.System.GetElapsedTime(0, TimeProvider.System.GetTimestamp()).Ticks / TimeSpan.TicksPerMicrosecond;
        Notify(new ServiceState($"RELOADING=1\nMONOTONIC_USEC={microseconds}"));
        try
        {
            return await reload();
        }
        finally
        {
            Ready();
        }
    }

    /// <summary>A socket that is gone or refuses costs a warning, never the gateway: systemd then times the start out
    /// itself (TimeoutStartSec) and says so in its own log.</summary>
    private void Notify(ServiceState state)
    {
        try
        {
            notifier.Notify(state);
        }
        catch (SocketException ex)
        {
            ServiceLog.ServiceNotifyFailed(logger, state.ToString().Split('\n')[0], ex.Message);
        }
    }

    private static partial class ServiceLog
    {
        [LoggerMessage(EventCatalogue.ServiceNotifyFailed, LogLevel.Warning, "Cannot tell systemd {State} through $NOTIFY_SOCKET: {Reason}")]
        public static partial void ServiceNotifyFailed(ILogger logger, string state, string reason);
    }
}
