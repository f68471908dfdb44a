using System.Net;
using Microsoft.Extensions.Logging;
using Rampart.Testing;

namespace Rampart.Dns.Tests;

/// <summary>
/// The system's name servers (resolver(5) resolv.conf) when no dns.server is configured, for MX lookups and the
/// checks alike: read strictly, so "nameserver 010.0.0.1" is skipped with a warning instead of being asked as 8.0.0.1.
/// </summary>
public sealed class ResolvConfTests
{
    [Fact]
    public void Loose_nameserver_lines_are_skipped_with_a_warning_and_the_strict_ones_kept_in_order()
    {
        using var dir = new TempDirectory("rampart-resolv");
        var path = dir.File("resolv.conf");
        File.WriteAllText(path, string.Join('\n',
            "# written by hand",
            "search example.test",
            "nameserver 010.0.0.1",        // octal to inet_aton: 8.0.0.1
            "nameserver 127.1",            // 127.0.0.1 to inet_aton
            "nameserver 0x7f.0.0.1",
            "nameserver\tfe80::1%eth0",    // a zone: which interface is not ours to guess
            "nameserver 192.0.2.53",
            "nameserver 2001:db8::53",
            "options edns0",
            ""));
        var logger = new ListLogger();

        var servers = ResolvConf.NameServers(logger, path);
        Assert.Equal([new IPEndPoint(IPAddress.Parse("192.0.2.53"), 53), new IPEndPoint(IPAddress.Parse("2001:db8::53"), 53)], servers);
        Assert.Equal(4, logger.Lines.Count);
        Assert.Contains(logger.Lines, l => l.Contains("line 3", StringComparison.Ordinal) && l.Contains("010.0.0.1", StringComparison.Ordinal));
        Assert.Contains(logger.Lines, l => l.Contains("line 6", StringComparison.Ordinal) && l.Contains("fe80::1%eth0", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_a_strict_nameserver_the_local_resolver_is_asked()
    {
        using var dir = new TempDirectory("rampart-resolv");
        var path = dir.File("resolv.conf");
        File.WriteAllText(path, "nameserver 010.0.0.1\n");

        Assert.Equal([new IPEndPoint(IPAddress.Loopback, 53)], ResolvConf.NameServers(new ListLogger(), path));
        Assert.Equal([new IPEndPoint(IPAddress.Loopback, 53)], ResolvConf.NameServers(new ListLogger(), dir.File("missing")));
    }

    private sealed class ListLogger : ILogger
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add($"{logLevel}: {formatter(state, exception)}");
    }
}
