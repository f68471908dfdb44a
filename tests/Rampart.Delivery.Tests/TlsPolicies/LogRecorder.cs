using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Rampart.Delivery.Tests.TlsPolicies;

/// <summary>Keeps every line logged, with its event id, so a test can show the clear log line a refusal promises (MTA-STS, DANE).</summary>
internal sealed class LogRecorder : ILogger
{
    public ConcurrentQueue<(int Id, string Text)> Lines { get; } = new();

    public IEnumerable<string> With(int id) => Lines.Where(l => l.Id == id).Select(l => l.Text);

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Enqueue((eventId.Id, formatter(state, exception)));
}
