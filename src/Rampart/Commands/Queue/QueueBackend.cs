using System.CommandLine;
using Microsoft.Extensions.Logging;
using Rampart.Commands.Admin;
using Rampart.Gateway;
using Rampart.QueueAdmin;

namespace Rampart.Commands.Queue;

/// <summary>
/// Which side `rampart queue` works on: the running gateway through its admin API, or the data folder of a stopped
/// one. A gateway that holds the data folder's lock but whose API cannot be reached (no admin: section, or it refuses
/// the token) is refused with exit code 3: editing its queue behind its back would race its delivery agent.
/// </summary>
internal sealed class QueueBackend : IAsyncDisposable
{
    public const int GatewayUnreachable = 3;

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

    /// <summary>The running gateway (flush can wait for its attempts); false for a stopped one's files.</summary>
    public bool IsLive { get; }

    public static async Task<QueueBackend> OpenAsync(ParseResult result, CancellationToken ct)
    {
        if (ConfigOutput.LoadOrReport(result.GetValue(RampartCommandLine.ConfigOption)) is not { } options) return new QueueBackend(null, 2, false);
        AdminClient? client;
        try
        {
            client = await AdminClient.ConnectAsync(options, ct);
        }
        catch (Exception ex) when (ex is AdminCallException or HttpRequestException or TaskCanceledException)
        {
            return new QueueBackend(null, ConfigOutput.Fail(GatewayUnreachable, $"the gateway's admin API did not answer as it should: {ex.Message}; the queue was not changed"), false);
        }
        if (client is not null) return new QueueBackend(new RemoteQueue(client), 0, true, client);
        if (DataFolderLock.IsHeld(options.DataDir))
        {
            return new QueueBackend(null, ConfigOutput.Fail(GatewayUnreachable,
                $"a gateway is running on {options.DataDir} but its admin API cannot be reached{(options.Admin is null ? " (no admin: section in " + options.Source + ")" : $" at {options.Admin.EndPoint}")}; "
                + "its queue is not edited behind its back: use the API, or stop the gateway"), false);
        }
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
