namespace Rampart.Mail;

/// <summary>
/// With <c>socket_completions: inline</c> the code after an awaited socket read runs on .NET's socket event thread,
/// which serves many other sockets. Short steps (an SMTP command, a DNS answer) belong there; the long work of a message
/// (its filters: MIME parsing, signatures, scoring) does not, or every socket of that thread waits for it.
/// </summary>
public static class EventThreads
{
    /// <summary>Continues on the thread pool when called on any other thread (a socket event thread); at once otherwise.</summary>
    public static async ValueTask LeaveAsync()
    {
        if (!Thread.CurrentThread.IsThreadPoolThread) await Task.Yield();
    }
}
