using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Rampart.Mail;
using Rampart.Smtp.Session;
using Rampart.Smtp.Transport;
using Rampart.Testing;

namespace Rampart.Smtp.Tests.Engine;

/// <summary>
/// The SMTP engine alone, as cosullivan/SmtpServer's tests run it: an <see cref="SmtpListener"/> on a free 127.0.0.1
/// port with a <see cref="ScriptedHandler"/> behind it, and a raw <see cref="SmtpTranscript"/> client in front. With
/// <see cref="Clock"/> set, every timer of the engine runs on that fake clock and the test advances it.
/// </summary>
public sealed class EngineHarness : IAsyncDisposable
{
    public const string HostName = "mx.engine.test";

    private readonly SmtpListener listener;

    private EngineHarness(SmtpListener listener, ScriptedHandler handler, FakeTimeProvider? clock)
    {
        this.listener = listener;
        Handler = handler;
        Clock = clock;
    }

    public ScriptedHandler Handler { get; }

    public FakeTimeProvider? Clock { get; }

    public IPEndPoint EndPoint => listener.LocalEndPoint;

    public int OpenConnections => listener.OpenConnections;

    /// <summary>Starts a listener; <paramref name="configure"/> adjusts the session options, <paramref name="limits"/> the limits.</summary>
    public static EngineHarness Start(Func<SmtpLimits, SmtpLimits>? limits = null, Func<SmtpSessionOptions, SmtpSessionOptions>? configure = null,
        ScriptedHandler? handler = null, FakeTimeProvider? clock = null)
    {
        var options = new SmtpSessionOptions
        {
            HostName = HostName,
            ListenerName = "engine",
            Role = ListenerRole.Inbound,
            Limits = limits is null ? new SmtpLimits() : limits(new SmtpLimits()),
        };
        if (configure is not null) options = configure(options);
        handler ??= new ScriptedHandler();
        var listener = new SmtpListener(new IPEndPoint(IPAddress.Loopback, 0), options, handler, NullLogger.Instance, clock);
        listener.Start();
        return new EngineHarness(listener, handler, clock);
    }

    /// <summary>A fake clock that starts at a fixed, ordinary moment.</summary>
    public static FakeTimeProvider NewClock() => new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    public Task<SmtpTranscript> ConnectAsync(SmtpTranscript.WriteMode mode = SmtpTranscript.WriteMode.Whole) =>
        SmtpTranscript.ConnectAsync(EndPoint, mode);

    /// <summary>Connected, greeted, EHLO done.</summary>
    public async Task<SmtpTranscript> HelloAsync(SmtpTranscript.WriteMode mode = SmtpTranscript.WriteMode.Whole)
    {
        var c = await ConnectAsync(mode);
        await c.HelloAsync();
        return c;
    }

    /// <summary>Greeted, EHLO, MAIL and one RCPT accepted: ready for DATA or BDAT.</summary>
    public async Task<SmtpTranscript> TransactionAsync(SmtpTranscript.WriteMode mode = SmtpTranscript.WriteMode.Whole)
    {
        var c = await HelloAsync(mode);
        await c.EnvelopeAsync("a@sender.test", "b@rcpt.test");
        return c;
    }

    /// <summary>
    /// Advances the fake clock by <paramref name="step"/> until a reply arrives. The engine arms its timer only once it
    /// waits for input, which the test cannot see: an advance made before that would be lost, so it is repeated,
    /// a bounded number of times, each followed by a short look for the reply.
    /// </summary>
    public async Task<IReadOnlyList<string>> AdvanceUntilReplyAsync(SmtpTranscript c, TimeSpan step, int maxSteps = 200)
    {
        var clock = Clock ?? throw new InvalidOperationException("started without a fake clock");
        return await clock.AdvanceUntilReplyAsync(c, step, maxSteps);
    }

    /// <summary>True when the connection is closed; only a short real wait, the server closes at once when it does.</summary>
    public static Task<bool> ClosedAsync(SmtpTranscript c) => c.IsClosedAsync(TimeSpan.FromSeconds(10));

    public async ValueTask DisposeAsync() => await listener.DisposeAsync();
}
