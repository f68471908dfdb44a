using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Rampart.Configuration;

namespace Rampart.Commands;

/// <summary>`rampart run`: validate the configuration, start every listener, stop cleanly on SIGTERM/SIGINT.</summary>
public static class RunCommand
{
    public static Command Create()
    {
        var command = new Command("run", "Start the gateway") { RampartCommandLine.ConfigOption };
        command.SetAction(async (result, ct) =>
        {
            var options = ConfigOutput.LoadOrReport(result.GetValue(RampartCommandLine.ConfigOption));
            if (options is null) return 2;

            using var loggers = ConsoleLogging.Create(options.LogLevel, options.LogFormat);
            var log = loggers.CreateLogger("Rampart");
            var stop = new TaskCompletionSource();
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
            using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });

            await using var gateway = new Gateway.Gateway(options, loggers);
            try
            {
                gateway.Start();
            }
            catch (System.Net.Sockets.SocketException ex)
            {
                log.LogCritical("Cannot open a listener: {Reason}. Is another program using the port?", ex.Message);
                return 1;
            }
            log.LogInformation("Rampart started from {Source}; data in {DataDir}", options.Source, options.DataDir);
            await Task.WhenAny(stop.Task, Task.Delay(Timeout.Infinite, ct));
            log.LogInformation("Stopping: open sessions are told 421, queued mail stays on disk");
            log.LogInformation("Group commit: {Requests} durability requests served by {Syncs} file-system syncs",
                gateway.Queue.Barrier.Waiters, gateway.Queue.Barrier.Syncs);
            return 0;
        });
        return command;
    }
}
