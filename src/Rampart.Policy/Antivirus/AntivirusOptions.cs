namespace Rampart.Policy.Antivirus;

public enum ScannerKind { Clamd, Icap }

/// <summary>What to do with a message a scanner found a virus in.</summary>
public enum InfectedAction { Reject, Quarantine }

/// <summary>What to do when a scanner gave no verdict; never "deliver unscanned".</summary>
public enum ScanFailureAction { TempFail, Quarantine }

/// <summary>
/// What to do with a message bigger than a scanner's <see cref="ScannerOptions.MaxScanBytes"/>: no scanner will ever
/// give it a verdict, so waiting (451) only delays the bounce by days.
/// </summary>
public enum TooLargeAction
{
    /// <summary>552 5.3.4 at once: the sender's server reports it to the sender now, and nothing unscanned is delivered.</summary>
    Reject,

    /// <summary>Held for an administrator (a rescan cannot release it: it stays too big).</summary>
    Quarantine,

    /// <summary>Delivered without the verdict of the scanners that cannot take it (the others still scan): an explicit choice only.</summary>
    Pass,
}

/// <summary>One scanner: where it is and how long to wait for it.</summary>
public sealed record ScannerOptions
{
    public required ScannerKind Kind { get; init; }

    /// <summary>clamd: "host:port", "tcp:host:port", "/path/clamd.sock" or "unix:/path"; ICAP: "icap://host[:1344]/service".</summary>
    public required string Address { get; init; }

    /// <summary>Null: the kind ("clamd", "icap"). Two scanners of one kind need names of their own.</summary>
    public string? Name { get; init; }

    /// <summary>5 s: a scanner on the LAN answers a connect in milliseconds; longer only holds the SMTP client.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>60 s: well under the 10-minute DATA-termination timeout clients wait (RFC 5321 §4.5.3.2.6).</summary>
    public TimeSpan ScanTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>25 MiB: Debian's clamd.conf StreamMaxLength; bigger content is Failed without being sent.</summary>
    public long MaxScanBytes { get; init; } = 25L * 1024 * 1024;

    /// <summary>4: enough for the few scans a small gateway runs at once; clamd's default MaxThreads is 10.</summary>
    public int MaxIdleConnections { get; init; } = 4;

    public string DisplayName => Name ?? Kind.ToString().ToLowerInvariant();

    /// <summary>Each problem with this scanner, as the key it is about and what is wrong (none when it can be used).</summary>
    public IEnumerable<(string Key, string Message)> Problems()
    {
        var addressError = Kind == ScannerKind.Icap ? IcapAddress.Check(Address) : ClamdAddress.Check(Address);
        if (addressError is not null) yield return ("address", addressError);
        if (ConnectTimeout <= TimeSpan.Zero) yield return ("connect_timeout", "must be positive");
        if (ScanTimeout <= TimeSpan.Zero) yield return ("scan_timeout", "must be positive");
        if (MaxScanBytes <= 0) yield return ("max_scan_bytes", "must be positive");
        if (MaxIdleConnections < 0) yield return ("max_idle_connections", "must not be negative");
        if (Name is { } name && (name.Length == 0 || name.Any(c => c is < '!' or > '~')))
        {
            yield return ("name", "printable ASCII without spaces, please (it goes into SMTP replies)");
        }
    }

    /// <summary>A failure for content over <see cref="MaxScanBytes"/> when its length is known, so it is not even sent.</summary>
    internal ScanResult.Failed? RefuseOversized(Stream content)
    {
        var left = content.CanSeek ? content.Length - content.Position : -1;
        return left > MaxScanBytes ? new ScanResult.Failed($"{left} bytes is more than max scan bytes ({MaxScanBytes})") : null;
    }

    public IVirusScanner CreateScanner(TimeProvider? time = null) => Kind switch
    {
        ScannerKind.Clamd => new ClamdScanner(this, time),
        ScannerKind.Icap => new IcapScanner(this, time),
        _ => throw new ArgumentOutOfRangeException(nameof(Kind)),
    };
}

/// <summary>The antivirus stage; immutable. Its scanners are checked at start-up with <see cref="ScannerOptions.Problems"/>.</summary>
public sealed record AntivirusOptions
{
    /// <summary>Empty: nothing is scanned (the configuration refuses an antivirus section that names no scanner).</summary>
    public IReadOnlyList<ScannerOptions> Scanners { get; init; } = [];

    /// <summary>Reject: refusing at DATA leaves the bounce to the sender's server, and no virus in our quarantine.</summary>
    public InfectedAction OnInfected { get; init; } = InfectedAction.Reject;

    /// <summary>TempFail: the sender retries later and nothing unscanned gets through.</summary>
    public ScanFailureAction OnFailure { get; init; } = ScanFailureAction.TempFail;

    /// <summary>
    /// Reject: fails closed like <see cref="OnFailure"/>, but for good and at once, since retrying cannot help; the
    /// sender learns it in minutes instead of a bounce days later. Pass lets unscanned mail in, so it is never a default.
    /// </summary>
    public TooLargeAction OnTooLarge { get; init; } = TooLargeAction.Reject;

    /// <summary>10,000: about 1 MB of keys; resent and multi-recipient copies of one message within the hour hit.</summary>
    public int CacheSize { get; init; } = 10_000;

    /// <summary>1 h: the signature version is in the key anyway; the TTL only bounds a stale version string.</summary>
    public TimeSpan CacheTtl { get; init; } = TimeSpan.FromHours(1);
}
