namespace Rampart.Policy.Spam;

/// <summary>What to do when Rspamd gives no verdict (down, timeout, a reply that is not one).</summary>
public enum SpamFailureAction
{
    /// <summary>Deliver unscored, with a warning: spam scoring is a judgement, not a safety check like antivirus.</summary>
    Pass,

    /// <summary>451 4.7.1: the sender retries later, when Rspamd is back.</summary>
    TempFail,
}

/// <summary>
/// A listener's spam verdict (the <c>spam:</c> section): the thresholds that tag, quarantine or reject, on the score
/// every check's findings add up to (the weights table's sum) or on its SCL; the built-in rules; and Rspamd (its HTTP
/// protocol, <c>POST /checkv2</c>): where it is and how long to wait. Immutable. A threshold left null is not used; the
/// highest action reached decides, by score or by SCL.
/// </summary>
public sealed record SpamOptions
{
    /// <summary>True: Rspamd is asked (at <see cref="Url"/>); false (<c>url: off</c>): the built-in rules and the other checks' findings only.</summary>
    public bool Rspamd { get; init; } = true;

    /// <summary>True: the built-in rules (GTUBE, header sanity, HTML-only, URL heuristics) add their findings.</summary>
    public bool Rules { get; init; } = true;

    /// <summary>SCL thresholds (0–9), as Exchange writes them; each one replaces the score threshold of its action.</summary>
    public int? TagScl { get; init; }
    public int? QuarantineScl { get; init; }
    public int? RejectScl { get; init; }

    /// <summary>Rspamd's normal worker; 127.0.0.1:11333 is where Debian's package listens.</summary>
    public Uri Url { get; init; } = new("http://127.0.0.1:11333/");

    /// <summary>
    /// 15 s for the whole exchange: Rspamd answers in milliseconds with its network checks local; far below the 10
    /// minutes a client waits after the final dot (RFC 5321 §4.5.3.2.6).
    /// </summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// 10 MiB: spam is small, and a bigger message costs Rspamd time for nothing; such a message is not sent and
    /// passes unscored (logged). Rspamd's own default limit is 50 MiB.
    /// </summary>
    public long MaxScanBytes { get; init; } = 10L * 1024 * 1024;

    /// <summary>
    /// 256 KiB: a real reply is a few KiB (one entry per symbol); a longer one is not read further and counts as no
    /// verdict, so a hostile or broken server cannot make the gateway buffer without end.
    /// </summary>
    public int MaxReplyBytes { get; init; } = 256 * 1024;

    /// <summary>5: Rspamd's own "add header" score in its stock actions.</summary>
    public double? TagScore { get; init; } = 5;

    /// <summary>Null: nothing is quarantined for its score unless configured.</summary>
    public double? QuarantineScore { get; init; }

    /// <summary>15: Rspamd's own "reject" score (GTUBE scores exactly that).</summary>
    public double? RejectScore { get; init; } = 15;

    /// <summary>Put before the Subject of tagged mail ("[SPAM]"); null: the subject is left alone.</summary>
    public string? SubjectPrefix { get; init; }

    /// <summary>Pass: a dead Rspamd must not stop the mail (issue 13); a warning is logged and counted.</summary>
    public SpamFailureAction OnFailure { get; init; } = SpamFailureAction.Pass;

    /// <summary>False: spam filtering belongs on the inbound path; outbound and submission listeners scan only when asked.</summary>
    public bool ScanOutbound { get; init; }

    /// <summary>
    /// True: Rspamd's own "reject" (550 5.7.1) and "soft reject" (451 4.7.1) are obeyed whatever the weighted score.
    /// Such an action is often a pre-result, not a score: its antivirus module finding a virus, a multimap rule an
    /// administrator wrote to refuse, a rate limit; weighing it as points could deliver what Rspamd refused.
    /// </summary>
    public bool RspamdActions { get; init; } = true;

    /// <summary>Each problem, as the key it is about and what is wrong (none when it can be used).</summary>
    public IEnumerable<(string Key, string Message)> Problems()
    {
        if (Url.Scheme != Uri.UriSchemeHttp || !Url.IsAbsoluteUri) yield return ("url", "must be an http:// URL (Rspamd's normal worker)");
        if (Url.Query.Length > 0 || Url.Fragment.Length > 0 || Url.UserInfo.Length > 0) yield return ("url", "scheme, host, port and path only");
        if (Timeout <= TimeSpan.Zero) yield return ("timeout", "must be positive");
        if (MaxScanBytes <= 0) yield return ("max_scan_bytes", "must be positive");
        if (MaxReplyBytes < 1024) yield return ("max_reply_bytes", "must be at least 1 KiB");
        if (TagScore is null && QuarantineScore is null && RejectScore is null && TagScl is null && QuarantineScl is null && RejectScl is null)
        {
            yield return ("tag_score", "set at least one of tag_score, quarantine_score, reject_score (or an _scl one), or no message is ever acted on");
        }
        foreach (var (key, scl) in new[] { ("tag_scl", TagScl), ("quarantine_scl", QuarantineScl), ("reject_scl", RejectScl) })
        {
            if (scl is < 0 or > 9) yield return (key, "an SCL is from 0 to 9");
        }
        if (TagScore is { } tag && QuarantineScore is { } q && q < tag) yield return ("quarantine_score", "must not be below tag_score");
        if (RejectScore is { } reject && (QuarantineScore ?? TagScore) is { } lower && reject < lower)
        {
            yield return ("reject_score", "must not be below quarantine_score or tag_score");
        }
        if (SubjectPrefix is { } prefix && (prefix.Length is 0 or > 64 || prefix.Any(c => c is < ' ' or > '~')))
        {
            yield return ("subject_prefix", "1 to 64 printable ASCII characters, please (it goes into the Subject field)");
        }
    }

    /// <summary>The lowest score at which <paramref name="score"/> or <paramref name="scl"/> is reached (null: neither set).</summary>
    public static double? Lowest(double? score, int? scl) =>
        scl is { } level ? Math.Min(score ?? double.PositiveInfinity, Scoring.Scl.ScoreFor(level)) : score;

    /// <summary>The checks endpoint under <see cref="Url"/> (a path prefix is kept: Rspamd behind a proxy).</summary>
    public Uri CheckUri => new(Url, Url.AbsolutePath.TrimEnd('/') + "/checkv2");
}
