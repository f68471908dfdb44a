using System.CommandLine;
using Microsoft.Extensions.Logging;
using Rampart.Commands.Admin;
using Rampart.QueueAdmin;

namespace Rampart.Commands.Queue;

/// <summary>
/// Which side `rampart queue` works on (<see cref="OperationsBackend"/> decides): the running gateway through its admin
/// API, or the data folder of a stopped one, locked for as long as the verb runs so that no gateway starts on it
/// meanwhile. A gateway that holds the lock but whose API cannot be reached is refused with exit code 3.
/// </summary>
internal sealed class QueueBackend : IAsyncDisposable
{
    private readonly OperationsBackend? backend;
    private readonly IDisposable? owned;
    private readonly ILoggerFactory? loggers;

    private QueueBackend(IQueueOperations? queue, int exitCode, bool isLive, OperationsBackend? backend = null, IDisposable? owned = null,
        ILoggerFactory? loggers = null)
    {
        Queue = queue;
        ExitCode = exitCode;
        IsLive = isLive;
        this.backend = backend;
        this.owned = owned;
        this.loggers = loggers;
    }

    public IQueueOperations? Queue { get; }

    public int ExitCode { get; }

    /// <summary>The running gateway (flush can wait for its attempts); false for a stopped one's files.</summary>
    public bool IsLive { get; }

    public static async Task<QueueBackend> OpenAsync(ParseResult result, CancellationToken ct)
    {
        if (ConfigOutput.LoadOrReport(result.GetValue(RampartCommandLine.ConfigOption)) is not { } options) return new QueueBackend(null, 2, false);
        return await OpenAsync(options, ct);
    }

    public static async Task<QueueBackend> OpenAsync(Configuration.GatewayOptions options, CancellationToken ct)
    {
        var (backend, exitCode) = await OperationsBackend.OpenAsync(options, DataFolderUse.Exclusive, ct);
        if (backend is null) return new QueueBackend(null, exitCode, false);
        if (backend.Api is { } api) return new QueueBackend(new RemoteQueue(api), 0, true, backend);
        // The log of a change made with the gateway stopped goes to standard error (standard output is the table or JSON).
        var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true)
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Information));
        var stopped = new StoppedQueue(Path.Combine(options.DataDir, "queue"), loggers.CreateLogger("Rampart.Queue.Admin"), TimeProvider.System,
            $"rampart queue (user {Environment.UserName}, gateway stopped)");
        return new QueueBackend(stopped, 0, false, backend, stopped, loggers);
    }

    public ValueTask DisposeAsync()
    {
        owned?.Dispose();
        loggers?.Dispose();
        // Last: the lock is let go once the files are closed.
        backend?.Dispose();
        return ValueTask.CompletedTask;
    }
}
