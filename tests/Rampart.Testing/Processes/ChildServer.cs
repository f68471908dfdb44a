using System.Net;

namespace Rampart.Testing.Processes;

/// <summary>
/// A real server run as our child from a temporary folder, listening on a loopback port: started, waited for
/// until its port answers, and stopped with SIGTERM (then its folder removed). The fixtures add what is theirs.
/// </summary>
public abstract class ChildServer : IAsyncDisposable
{
    protected ChildServer(TempDirectory temp, ChildProcess process, int port, IPAddress? address = null)
    {
        Temp = temp;
        Process = process;
        Port = port;
        EndPoint = new IPEndPoint(address ?? IPAddress.Loopback, port);
    }

    protected TempDirectory Temp { get; }
    protected ChildProcess Process { get; }
    public int Port { get; }
    public IPEndPoint EndPoint { get; }

    public string Describe() => Process.Describe();

    /// <summary>
    /// Makes a server with <paramref name="create"/> around a started process and waits for its port; on failure
    /// everything is stopped and removed before the error goes up.
    /// </summary>
    protected static async Task<T> ReadyAsync<T>(TempDirectory temp, Func<TempDirectory, T> create, TimeSpan? timeout = null)
        where T : ChildServer
    {
        T? server = null;
        try
        {
            server = create(temp);
            await server.Process.WaitForPortAsync(server.Port, timeout ?? TimeSpan.FromSeconds(15), server.EndPoint.Address);
            return server;
        }
        catch
        {
            if (server is not null) await server.DisposeAsync();
            else temp.Dispose();
            throw;
        }
    }

    public virtual async ValueTask DisposeAsync()
    {
        Process.Terminate();
        try
        {
            await Process.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            // Disposing the process kills it.
        }
        await Process.DisposeAsync();
        Temp.Dispose();
        GC.SuppressFinalize(this);
    }
}
