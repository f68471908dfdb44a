using System.Net;
using System.Net.Sockets;

namespace Rampart.Testing;

/// <summary>
/// A free loopback port, for servers that must be told their port in advance (a child Rampart, Postfix, clamd...).
/// Taken below the kernel's ephemeral range (ip_local_port_range): a port the kernel hands out for port 0 is free
/// again once the probe closes, so any later bind to port 0 (the in-process gateways of other test classes) or
/// outgoing connection may get it before the server it was meant for binds it, and that server then fails to start
/// (seen in full suite runs: "the port is already in use", or a test talking to another test's gateway). Below
/// the range only servers told a port explicitly bind; each port is handed out once, at random, and only if it can be
/// bound now. Test processes run side by side and each draws its own ports, so a port is also claimed for the whole
/// machine by a lock on a file named after it, held until this process exits (the kernel drops it even after a
/// crash): two processes that drew the same port between the probe and their server's bind both started servers on
/// it before (seen in CI: two unbounds sharing one port through SO_REUSEPORT).
/// </summary>
public static class FreePort
{
    private const int Lowest = 10000;

    private static readonly int Highest = EphemeralStart() - 1;
    private static readonly HashSet<int> Given = [];
    private static readonly List<FileStream> Claims = [];
    private static readonly string ClaimFolder = Path.Combine(Path.GetTempPath(), "rampart-test-ports");

    public static int Next()
    {
        for (int attempt = 0; attempt < 1000; attempt++)
        {
            int port = Random.Shared.Next(Lowest, Highest + 1);
            lock (Given)
            {
                if (Given.Contains(port) || !CanBind(port) || !Claim(port)) continue;
                Given.Add(port);
                return port;
            }
        }
        throw new InvalidOperationException($"no free loopback port between {Lowest} and {Highest} after 1000 tries");
    }

    // FileShare.None is an exclusive flock(2) on Linux, which .NET takes and honours across processes. The empty files
    // stay: unlinking one while another process opens it would give the two of them locks on different files.
    private static bool Claim(int port)
    {
        try
        {
            Directory.CreateDirectory(ClaimFolder);
            Claims.Add(new FileStream(Path.Combine(ClaimFolder, port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            return true;
        }
        catch (IOException)
        {
            return false; // another test process holds it
        }
    }

    private static bool CanBind(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The first port of the kernel's ephemeral range (Linux's default when it cannot be read).</summary>
    private static int EphemeralStart()
    {
        try
        {
            var first = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries)[0];
            return int.TryParse(first, out var start) && start > Lowest + 1000 ? start : 32768;
        }
        catch (IOException)
        {
            return 32768;
        }
    }
}
