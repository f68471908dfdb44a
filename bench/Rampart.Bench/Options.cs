using System.Globalization;
using System.Net;

namespace Rampart.Bench;

/// <summary>Thrown for a bad command line; Program prints it with the usage text and exits 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>"--name value" pairs; every name must be known to the command, every value present.</summary>
internal sealed class Options
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _known;

    public Options(IEnumerable<string> args, IEnumerable<string> known)
    {
        _known = new HashSet<string>(known, StringComparer.Ordinal);
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            string arg = e.Current;
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length < 3)
            {
                throw new UsageException($"unexpected argument '{arg}'");
            }
            string name = arg[2..];
            string? value = null;
            int eq = name.IndexOf('=');
            if (eq >= 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }
            if (!_known.Contains(name))
            {
                throw new UsageException($"unknown option --{name}");
            }
            if (value is null)
            {
                if (!e.MoveNext())
                {
                    throw new UsageException($"--{name} needs a value");
                }
                value = e.Current;
            }
            _values[name] = value;
        }
    }

    public string GetString(string name, string fallback) => _values.TryGetValue(name, out var v) ? v : fallback;

    public int GetInt(string name, int fallback, int min, int max)
    {
        if (!_values.TryGetValue(name, out var v))
        {
            return fallback;
        }
        if (!int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) || n < min || n > max)
        {
            throw new UsageException($"--{name} must be an integer from {min} to {max}, got '{v}'");
        }
        return n;
    }

    /// <summary>The target address: only loopback is allowed (the bench never leaves this machine).</summary>
    public IPEndPoint GetLoopbackEndPoint()
    {
        string host = GetString("host", "127.0.0.1");
        int port = GetInt("port", 2525, 1, 65535);
        IPAddress address;
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            address = IPAddress.Loopback;
        }
        else if (!IPAddress.TryParse(host, out address!))
        {
            throw new UsageException($"--host must be a loopback IP address (e.g. 127.0.0.1), got '{host}'");
        }
        if (!IPAddress.IsLoopback(address))
        {
            throw new UsageException($"--host {host} is not a loopback address; the bench only targets this machine");
        }
        return new IPEndPoint(address, port);
    }
}
