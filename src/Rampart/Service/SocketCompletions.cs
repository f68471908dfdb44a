using Rampart.Configuration;

namespace Rampart.Service;

/// <summary>
/// Where .NET continues a socket read or write that had to wait (<c>socket_completions</c>): on the socket event threads
/// themselves (inline, one per core), or handed to the thread pool (.NET's default).
/// </summary>
/// <remarks>
/// An SMTP exchange is many small round trips, and by default every one of them is a hand-over from the event thread to
/// a pool worker: a wake-up and a context switch per command. Inline, the session's code runs where the readiness was
/// seen. Measured with one session, per step of a message (a client timing each reply, docs/performance.md): EHLO,
/// MAIL, RCPT and DATA answered 10-30 µs sooner each, about 0.13 ms less per message, and up to a tenth less CPU per
/// message with 50 sessions. The long work of a message moves back to the pool: its filters, each one (a filter that
/// awaited Rspamd or clamd resumes on the event thread), and its commit (<c>EventThreads.LeaveAsync</c>), so that one
/// large message cannot hold up the other sessions of its event thread. .NET reads the switch once, from the
/// environment, when the process makes its first socket; this sets it before that (.NET keeps a running process's
/// environment in its own table on Unix, which that read consults).
/// </remarks>
public static class SocketCompletions
{
    /// <summary>The switch .NET's Unix socket engine reads (SocketAsyncEngine.Unix.cs).</summary>
    public const string EnvironmentVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>Call before the process has made any socket; later calls change nothing for this process.</summary>
    public static void Apply(SocketCompletionMode mode) =>
        Environment.SetEnvironmentVariable(EnvironmentVariable, mode == SocketCompletionMode.Inline ? "1" : null);
}
