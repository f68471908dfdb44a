using System.Net.Sockets;
using System.Text;

namespace Rampart.EndToEnd.Fixtures;

/// <summary>
/// What systemd listens on for sd_notify(3): a Unix datagram socket whose name goes into the child's
/// <c>NOTIFY_SOCKET</c>. A path (as systemd's /run/systemd/notify), or an abstract name ("@...", no file and no
/// permissions, for a child running as another user).
/// </summary>
public sealed class NotifySocket : IDisposable
{
    private readonly Socket socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);

    private NotifySocket(string name)
    {
        Name = name;
        // UnixDomainSocketEndPoint takes an abstract name with its leading NUL, as the kernel does.
        socket.Bind(new UnixDomainSocketEndPoint(name.StartsWith('@') ? "\0" + name[1..] : name));
    }

    /// <summary>The value for NOTIFY_SOCKET.</summary>
    public string Name { get; }

    public static NotifySocket AtPath(string path) => new(path);

    public static NotifySocket Abstract() => new($"@rampart-test-{Guid.NewGuid():N}");

    /// <summary>The next datagram as text (a notification may hold several NAME=VALUE lines), within <paramref name="timeout"/>.</summary>
    public async Task<string> ReceiveAsync(TimeSpan timeout, Func<string>? describe = null)
    {
        var buffer = new byte[4096];
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            int n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            return Encoding.UTF8.GetString(buffer, 0, n);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no notification on {Name} within {timeout}\n{describe?.Invoke()}");
        }
    }

    public void Dispose()
    {
        socket.Dispose();
        if (!Name.StartsWith('@')) File.Delete(Name);
    }
}
