using System.Net;
using Microsoft.Extensions.Logging;
using MimeKit;
using Rampart.Testing;

namespace Rampart.Tests.Rules;

/// <summary>
/// What the transport rule tests share: a gateway whose rules each mark the message they match with an X-Hit field
/// (so one delivered message shows every condition that held), sending over SMTP, and reading what was delivered.
/// </summary>
internal static class RulesGateway
{
    /// <summary>One rule per (name, conditions) pair, each adding "X-Hit: name" when it matches.</summary>
    public static string MarkingRules(params (string Name, string Conditions)[] rules) =>
        "transport_rules:\n" + string.Concat(rules.Select(r =>
            $"  - name: {r.Name}\n    conditions: {r.Conditions}\n    actions: {{add_header: {{X-Hit: {r.Name}}}}}\n"));

    public static async Task<IReadOnlyList<string>> SendAsync(TestGateway gateway, string content, string from = "alice@sender.test",
        string[]? to = null, string listener = "inbound", string expected = "250 2.0.0", IPAddress? client = null)
    {
        await using var smtp = await gateway.ConnectAsync(listener, from: client);
        await smtp.HelloAsync();
        await smtp.EnvelopeAsync(from, to ?? ["bob@example.test"]);
        return await smtp.DataAsync(content, expected);
    }

    /// <summary>The one message delivered to <paramref name="folder"/>, parsed, and its raw text.</summary>
    public static async Task<(MimeMessage Message, string Raw)> DeliveredAsync(TestGateway gateway, string folder = "drop")
    {
        var file = Assert.Single(await gateway.WaitForDropAsync(1, folder));
        return (await MimeMessage.LoadAsync(file), await File.ReadAllTextAsync(file));
    }

    /// <summary>The message delivered to <paramref name="folder"/> after the <paramref name="before"/> ones, parsed.</summary>
    public static async Task<(MimeMessage Message, string Raw)> NextDeliveredAsync(TestGateway gateway, int before, string folder = "drop")
    {
        var files = await gateway.WaitForDropAsync(before + 1, folder);
        var file = files.OrderBy(File.GetLastWriteTimeUtc).ThenBy(f => f, StringComparer.Ordinal).Last();
        return (await MimeMessage.LoadAsync(file), await File.ReadAllTextAsync(file));
    }

    /// <summary>The rules that marked the message, in the order they ran.</summary>
    public static List<string> Hits(MimeMessage message) => [.. message.Headers.Where(h => h.Field == "X-Hit").Select(h => h.Value)];

    /// <summary>Every line a gateway logs with this event id, formatted.</summary>
    public sealed class LogRecorder(int eventId) : ILoggerProvider, ILogger
    {
        private readonly List<string> lines = [];

        public IReadOnlyList<string> Lines
        {
            get { lock (lines) return [.. lines]; }
        }

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId id, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (id.Id != eventId) return;
            lock (lines) lines.Add(formatter(state, exception));
        }

        public void Dispose()
        {
        }
    }
}
