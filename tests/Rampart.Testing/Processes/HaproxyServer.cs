using System.Net;

namespace Rampart.Testing.Processes;

/// <summary>
/// A real HAProxy in TCP mode in front of a listener, sending a PROXY header on each connection it forwards:
/// v1 (<c>send-proxy</c>) or v2 (<c>send-proxy-v2</c>). It listens on 127.0.0.1 on a free port and connects to the
/// backend from 127.0.0.1; clients bound to another loopback address (127.0.0.5) are then told apart from it.
/// Runs as our child in the foreground (<c>-db</c>) with a config in a temporary folder.
/// </summary>
public sealed class HaproxyServer : ChildServer
{
    private HaproxyServer(TempDirectory temp, ChildProcess haproxy, int port) : base(temp, haproxy, port)
    {
    }

    /// <param name="backend">Where to forward, e.g. the gateway's inbound listener.</param>
    /// <param name="version">1 or 2: which PROXY header HAProxy sends.</param>
    public static Task<HaproxyServer> StartAsync(IPEndPoint backend, int version)
    {
        var binary = RequiredTool.Find("haproxy");
        int port = FreePort.Next();
        return ReadyAsync(new TempDirectory("rampart-haproxy"), temp =>
        {
            var config = temp.File("haproxy.cfg");
            File.WriteAllText(config, $"""
                global
                    noreuseport
                    maxconn 100
                defaults
                    mode tcp
                    timeout connect 5s
                    timeout client 30s
                    timeout server 30s
                frontend smtp
                    bind 127.0.0.1:{port}
                    default_backend rampart
                backend rampart
                    server rampart {backend.Address}:{backend.Port} {(version == 2 ? "send-proxy-v2" : "send-proxy")}

                """);
            return new HaproxyServer(temp, ChildProcess.Start(binary, ["-db", "-f", config]), port);
        });
    }
}
