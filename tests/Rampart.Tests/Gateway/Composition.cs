using Microsoft.Extensions.Logging.Abstractions;
using Rampart.Configuration;
using Rampart.Gateway;
using Rampart.Policy;
using Rampart.Testing;

namespace Rampart.Tests.Gateway;

/// <summary>
/// A gateway composed and not started, from a YAML configuration, with its data in a temp folder: what the
/// composer made can be looked at, and nothing listens or delivers.
/// </summary>
internal sealed class Composition : IAsyncDisposable
{
    /// <summary>One inbound listener for example.test, everything delivered to a drop folder.</summary>
    private const string MinimalYaml = """
        hostname: mx.rampart.test
        listeners:
          inbound: {role: inbound, address: 127.0.0.1, port: 0, accepted_domains: [example.test], starttls: false}
        routes:
          local: {transport: drop, path: drop}
        routing:
          - domains: ["*"]
            route: local
        """;

    private readonly TempDirectory temp;
    private readonly GatewayCore core;
    private readonly LastingParts lasting;

    private Composition(TempDirectory temp, GatewayOptions options, TimeProvider clock)
    {
        this.temp = temp;
        Options = options;
        core = GatewayCore.Compose(options, NullLoggerFactory.Instance, clock);
        lasting = new LastingParts(options, core.Users, NullLoggerFactory.Instance, clock);
        Composer = new GatewayComposer(options, core, lasting, NullLoggerFactory.Instance, clock);
    }

    public GatewayOptions Options { get; }

    public GatewayComposer Composer { get; }

    /// <summary>The queue, delivery agent, guard and user store the composer was given.</summary>
    public GatewayCore Core => core;

    /// <summary>The parts kept across reloads (the verdict cache, the rate store), as the composer was given them.</summary>
    public LastingParts Lasting => lasting;

    public string DataDir => Options.DataDir;

    /// <summary>The smallest gateway: for the parts that only need a queue, a composer and a clock.</summary>
    public static Composition Minimal() => Of(MinimalYaml);

    /// <summary>
    /// The configuration's options; <paramref name="write"/> may put files beside it first (a recipient list).
    /// <paramref name="clock"/> is the gateway's (the system's by default), as <c>Gateway</c> would pass it.
    /// </summary>
    public static Composition Of(string yaml, Action<TempDirectory>? write = null, TimeProvider? clock = null)
    {
        var temp = new TempDirectory("rampart-compose");
        write?.Invoke(temp);
        var path = temp.File("rampart.yaml");
        File.WriteAllText(path, yaml + $"\ndata_dir: {temp.File("data")}\n");
        return new Composition(temp, ConfigLoader.Load(path, []), clock ?? TimeProvider.System);
    }

    /// <summary>The filters a listener's chain runs, by the names they give themselves, in order.</summary>
    public static IReadOnlyList<string> FilterNames(Snapshot snapshot, string listener)
    {
        var handler = (GatewaySessionHandler)snapshot.Listeners[listener].Handler;
        return handler.Chain.Filters.Select(f => f.Name).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await core.Delivery.DisposeAsync();
        lasting.Dispose();
        core.Queue.Dispose();
        temp.Dispose();
    }
}
