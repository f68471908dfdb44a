namespace Rampart.Configuration.Sections;

/// <summary>
/// admin: the HTTP listener of the admin API, <c>/metrics</c> and <c>/health/*</c>. Absent: no such listener, and the
/// `rampart` operations verbs work on the data folder while the gateway is stopped.
/// </summary>
internal static class AdminSection
{
    public static AdminOptions? Read(Section? s, string dataDir, string baseDir)
    {
        if (s is null) return null;
        var listen = s.String("listen", AdminOptions.DefaultListen)!;
        var endPoint = EndpointText.Parse(listen.Trim(), AdminOptions.DefaultPort, allowZero: true)
            ?? throw s.Error("listen", $"'{listen}' is not an IP address with an optional port (examples: 127.0.0.1:8025, [::1]:8025)");
        var warnings = new List<string>();
        if (!System.Net.IPAddress.IsLoopback(endPoint.Address))
        {
            // The bearer token would cross the network in clear: fine behind a TLS proxy on the same host, not otherwise.
            warnings.Add(s.Warning("listen", $"{endPoint} is not loopback: the admin token travels in clear HTTP; keep it on loopback and reach it through a TLS proxy or an SSH tunnel"));
        }
        var options = new AdminOptions
        {
            EndPoint = endPoint,
            TokenFile = Path.GetFullPath(s.String("token_file") ?? Path.Combine(dataDir, AdminOptions.DefaultTokenFileName), baseDir),
            Warnings = warnings,
        };
        s.Finish();
        return options;
    }
}
