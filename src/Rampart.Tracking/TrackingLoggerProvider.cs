using Microsoft.Extensions.Logging;

namespace Rampart.Tracking;

/// <summary>
/// Tracking's ear on the log: registered with the gateway's logger factory, it passes the catalogue events that concern
/// a message (<see cref="CatalogueEvents.IsTracked"/>) to the <see cref="TrackingWriter"/>, which maps them on its own
/// task. The factory needs a rule of its own for this provider (<see cref="MinimumLevel"/>), so the console's level
/// (warnings only, say) does not silence what tracking needs: a <c>[LoggerMessage]</c> asks IsEnabled before it logs.
/// Its time is the gateway's clock; it never blocks (the writer drops when full).
/// </summary>
/// <remarks>
/// This runs on the thread that logs (an SMTP session, a delivery): an id check, the clock, and a channel write of the
/// state that the log call made anyway (boxed once). Reading the fields and a row per recipient wait for the writer.
/// </remarks>
public sealed class TrackingLoggerProvider(TrackingWriter writer, TimeProvider clock) : ILoggerProvider
{
    /// <summary>Every tracked event is logged at Information or above (a refusal's level is Information or Warning).</summary>
    public const LogLevel MinimumLevel = LogLevel.Information;

    private readonly TrackingWriter writer = writer;
    private readonly TimeProvider clock = clock;
    private volatile bool stopped;

    public ILogger CreateLogger(string categoryName) => new Listener(this);

    /// <summary>Stops taking events (the gateway is stopping and its writer is being flushed); the factory may outlive it.</summary>
    public void Dispose() => stopped = true;

    private sealed class Listener(TrackingLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= MinimumLevel && !owner.stopped;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (owner.stopped || !CatalogueEvents.IsTracked(eventId.Id) || state is not IReadOnlyList<KeyValuePair<string, object?>> fields) return;
            owner.writer.Post(eventId.Id, owner.clock.GetUtcNow(), fields);
        }
    }
}
