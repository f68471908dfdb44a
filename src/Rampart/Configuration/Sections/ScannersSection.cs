using Rampart.Policy.Antivirus;

namespace Rampart.Configuration.Sections;

/// <summary>
/// The top-level scanners: the virus scanners by name, which listeners choose among in antivirus. The scanner's
/// options check its address and name themselves; their messages are placed here on the file, line and key.
/// </summary>
internal static class ScannersSection
{
    public static List<ScannerOptions> Read(Section root)
    {
        var scanners = new List<ScannerOptions>();
        foreach (var (name, s) in root.Named("scanners"))
        {
            var d = new ScannerOptions { Kind = s.RequiredChoice("type", ("clamd", ScannerKind.Clamd), ("icap", ScannerKind.Icap)), Name = name, Address = "" };
            var scanner = d with
            {
                Address = s.RequiredString("address"),
                ConnectTimeout = s.Duration("connect_timeout", d.ConnectTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5)),
                ScanTimeout = s.Duration("timeout", d.ScanTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(30)),
                MaxScanBytes = s.Size("max_size", d.MaxScanBytes, 1024, 4L * 1024 * 1024 * 1024),
                MaxIdleConnections = s.Int("max_idle_connections", d.MaxIdleConnections, 0, 1000),
            };
            // The ranges were checked as the values were read; what is left is the address, and the name (the key itself).
            if (scanner.Problems().FirstOrDefault() is ({ } key, { } problem)) throw key == "name" ? s.Error(problem) : s.Error(key, problem);
            s.Finish();
            scanners.Add(scanner);
        }
        return scanners;
    }
}
