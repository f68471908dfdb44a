using Rampart.Mail;
using Rampart.Queue;
using Rampart.Testing;

namespace Rampart.Delivery.Tests.Scheduling;

/// <summary>
/// A route in memory whose sessions answer as the test says (every recipient 250 unless told otherwise), counting
/// the sessions it opened and the deliveries under way at once.
/// </summary>
internal sealed class ScriptedRoute(string name = "scripted", int maxConnections = 10) : IRoute
{
    public static readonly SmtpReply Ok = new(250, "2.0.0", "Ok");

    private int sessionsOpened;
    private int concurrent;

    /// <summary>What a session does with one message's recipients.</summary>
    public Func<QueuedMessage, IReadOnlyList<int>, CancellationToken, Task<IReadOnlyList<RecipientOutcome>>> Answer { get; set; } =
        (_, recipients, _) => Task.FromResult<IReadOnlyList<RecipientOutcome>>(
            recipients.Select(_ => new RecipientOutcome(RecipientStatus.Delivered, Ok, DateTimeOffset.UnixEpoch, "next.test")).ToArray());

    public int SessionsOpened => Volatile.Read(ref sessionsOpened);

    public int Concurrent => Volatile.Read(ref concurrent);

    public string Name => name;

    public int MaxConnections => maxConnections;

    public string DestinationFor(Recipient recipient) => name;

    public IDeliverySession OpenSession(string destination)
    {
        Interlocked.Increment(ref sessionsOpened);
        return new Session(this);
    }

    /// <summary>Every recipient gets this reply with the status its code implies.</summary>
    public static Func<QueuedMessage, IReadOnlyList<int>, CancellationToken, Task<IReadOnlyList<RecipientOutcome>>> Replying(SmtpReply reply) =>
        (_, recipients, _) => Task.FromResult<IReadOnlyList<RecipientOutcome>>(recipients.Select(_ => new RecipientOutcome(
            reply.Code switch { < 300 => RecipientStatus.Delivered, >= 500 => RecipientStatus.PermanentFailure, _ => RecipientStatus.TemporaryFailure },
            reply, DateTimeOffset.UnixEpoch, "next.test")).ToArray());

    private sealed class Session(ScriptedRoute route) : IDeliverySession
    {
        public async Task<IReadOnlyList<RecipientOutcome>> DeliverAsync(QueuedMessage message, IReadOnlyList<int> recipients, CancellationToken ct)
        {
            Interlocked.Increment(ref route.concurrent);
            try
            {
                return await route.Answer(message, recipients, ct);
            }
            finally
            {
                Interlocked.Decrement(ref route.concurrent);
            }
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

/// <summary>
/// Waits (bounded) for work that a test's clock advance or completion set going on the thread pool to finish.
/// Not a wait for a timer: the timers are the fake clock's and are advanced by the test.
/// </summary>
internal static class Settle
{
    public static Task UntilAsync(Func<bool> condition, string what) =>
        BoundedWait.UntilAsync(condition, what, TimeSpan.FromSeconds(10), interval: TimeSpan.FromMilliseconds(1));

    /// <summary>The task's result, failing the test if it does not complete soon.</summary>
    public static Task<T> Soon<T>(Task<T> task) => task.WaitAsync(TimeSpan.FromSeconds(10));

    public static Task Soon(Task task) => task.WaitAsync(TimeSpan.FromSeconds(10));
}
