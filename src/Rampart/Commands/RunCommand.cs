using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Rampart.Configuration;
using Rampart.Mail;

namespace Rampart.Commands;

/// <summary>
/// `rampart run`: validate the configuration, start every listener, stop cleanly on SIGTERM/SIGINT, and reload the
/// configuration on SIGHUP (`kill -HUP PID`, or systemd's ExecReload) instead of dying of it.
/// </summary>
public static partial class RunCommand
{
    public static Command Create()
    {
        var command = new Command("run", "Start the gateway") { RampartCommandLine.ConfigOption };
        command.SetAction(async (result, ct) =>
        {
            // Resolved once, so that a SIGHUP reload reads the same file as the start (/etc/rampart/rampart.yaml too).
            var file = ConfigDiscovery.Resolve(result.GetValue(RampartCommandLine.ConfigOption));
            var options = ConfigOutput.LoadOrReport(file);
            if (options is null) return 2;

            using var loggers = ConsoleLogging.Create(options.LogLevel, options.LogFormat);
            var log = loggers.CreateLogger("Rampart");
            // Before the gateway starts its threads: they inherit the policy of the thread that starts them.
            Service.CpuScheduling.Apply(options.CpuScheduling, loggers.CreateLogger("Rampart.Service"));
            // Before the first socket: .NET reads the switch once, then.
            Service.SocketCompletions.Apply(options.SocketCompletions);
            var stop = new TaskCompletionSource();
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
            using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });

            // SIGHUP's default action ends the process: it is taken from the first moment to the last (declared before the
            // gateway, so released after its stop), and ignored until the gateway has started.
            Gateway.Reloader? reloader = null;
            var systemd = new Service.ServiceManager(loggers.CreateLogger("Rampart.Service"));
            using var hup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c =>
            {
                c.Cancel = true;
                if (Volatile.Read(ref reloader) is { } started) _ = systemd.ReloadingAsync(started.ReloadAsync);
                else RunLog.HangupWhileStarting(log);
            });
            await using var gateway = new Gateway.Gateway(options, loggers);
            try
            {
                gateway.Start();
            }
            catch (ConfigException ex)
            {
                return ConfigOutput.Fail(2, $"configuration error: {ex.Message}");
            }
            catch (Exception ex) when (ex is Rampart.Smtp.Transport.ListenerStartException or Gateway.DataFolderInUseException)
            {
                // Also on stderr, like a configuration error: the log may go to a file nobody reads at start-up.
                RunLog.CannotStart(log, ex.Message);
                return ConfigOutput.Fail(1, ex.Message);
            }
            Volatile.Write(ref reloader, new Gateway.Reloader(gateway, file?.FullName, loggers.CreateLogger("Rampart.Reload")));
            gateway.Reloader = reloader;
            RunLog.GatewayStarted(log, options.Source, options.DataDir);
            foreach (var warning in options.Warnings) RunLog.ConfigurationWarning(log, warning);
            // Start() has bound every listener: connections are accepted from here on (systemctl start returns).
            systemd.Ready();
            // The queue is recovered after the listeners open; a spool that cannot be read stops the gateway (logged as it failed).
            var recoveryFailed = gateway.Recovery.ContinueWith(t => t.IsFaulted ? Task.CompletedTask : Task.Delay(Timeout.Infinite, ct),
                TaskScheduler.Default).Unwrap();
            await Task.WhenAny(stop.Task, Task.Delay(Timeout.Infinite, ct), recoveryFailed);
            systemd.Stopping();
            RunLog.GatewayStopping(log);
            RunLog.GroupCommit(log, gateway.Queue.Barrier.Waiters, gateway.Queue.Barrier.Syncs, gateway.Queue.Barrier.FileSyncs);
            return gateway.Recovery.IsFaulted ? 1 : 0;
        });
        return command;
    }

    private static partial class RunLog
    {
        [LoggerMessage(EventCatalogue.HangupWhileStarting, LogLevel.Warning, "SIGHUP while starting: ignored; send it again once Rampart has started")]
        public static partial void HangupWhileStarting(ILogger logger);

        [LoggerMessage(EventCatalogue.CannotStart, LogLevel.Critical, "Cannot start: {Reason}")]
        public static partial void CannotStart(ILogger logger, string reason);

        [LoggerMessage(EventCatalogue.GatewayStarted, LogLevel.Information, "Rampart started from {Source}; data in {DataDir}")]
        public static partial void GatewayStarted(ILogger logger, string source, string dataDir);

        [LoggerMessage(EventCatalogue.ConfigurationWarning, LogLevel.Warning, "Configuration: {Warning}")]
        public static partial void ConfigurationWarning(ILogger logger, string warning);

        [LoggerMessage(EventCatalogue.GatewayStopping, LogLevel.Information, "Stopping: open sessions are told 421, queued mail stays on disk")]
        public static partial void GatewayStopping(ILogger logger);

        [LoggerMessage(EventCatalogue.GroupCommit, LogLevel.Information, "Group commit: {Requests} durability requests served by {Syncs} syncs, {FileSyncs} of them a lone commit's own file")]
        public static partial void GroupCommit(ILogger logger, long requests, long syncs, long fileSyncs);
    }
}
