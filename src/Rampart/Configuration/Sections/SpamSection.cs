using System.Globalization;
using Rampart.Policy.Spam;

namespace Rampart.Configuration.Sections;

/// <summary>
/// A listener's spam verdict: the thresholds (by score or SCL) on the weights table's sum, the built-in rules, and
/// Rspamd (where it is, or <c>url: off</c>, and what a failure leads to).
/// </summary>
internal static class SpamSection
{
    public static SpamOptions? Read(Section? s)
    {
        if (s is null) return null;
        var d = new SpamOptions();
        var url = s.String("url");
        Uri? parsed = null;
        var rspamd = !string.Equals(url?.Trim(), "off", StringComparison.OrdinalIgnoreCase);
        if (rspamd && url is not null && !Uri.TryCreate(url, UriKind.Absolute, out parsed))
        {
            throw s.Error("url", $"'{url}' is not a URL (example: http://127.0.0.1:11333), or off");
        }
        var options = d with
        {
            Url = parsed ?? d.Url,
            Timeout = s.Duration("timeout", d.Timeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5)),
            MaxScanBytes = s.Size("max_scan_bytes", d.MaxScanBytes, 1024, 1L << 30),
            MaxReplyBytes = (int)s.Size("max_reply_bytes", d.MaxReplyBytes, 1024, 16L * 1024 * 1024),
            Rspamd = rspamd,
            Rules = s.Bool("rules", d.Rules),
            TagScore = Score(s, "tag", d.TagScore),
            QuarantineScore = Score(s, "quarantine", d.QuarantineScore),
            RejectScore = Score(s, "reject", d.RejectScore),
            TagScl = Scl(s, "tag"),
            QuarantineScl = Scl(s, "quarantine"),
            RejectScl = Scl(s, "reject"),
            SubjectPrefix = s.String("subject_prefix", d.SubjectPrefix),
            OnFailure = s.Choice("on_failure", d.OnFailure, ("pass", SpamFailureAction.Pass), ("tempfail", SpamFailureAction.TempFail)),
            ScanOutbound = s.Bool("scan_outbound", d.ScanOutbound),
            RspamdActions = s.Bool("rspamd_actions", d.RspamdActions),
        };
        foreach (var (key, message) in options.Problems()) throw s.Error(key, message);
        s.Finish();
        return options;
    }

    /// <summary>
    /// An action's threshold by score (ACTION_score): "6", "-1.5", "12.0", or "off" for a threshold that is not used.
    /// Its default gives way to ACTION_scl when that is set; both set is an error.
    /// </summary>
    private static double? Score(Section s, string action, double? fallback)
    {
        string key = action + "_score", scl = action + "_scl";
        var text = s.String(key);
        if (text is not null && s.Has(scl)) throw s.Error(scl, $"set {key} or {scl}, not both");
        if (text is null) return s.Has(scl) ? null : fallback;
        if (text.Trim().Equals("off", StringComparison.OrdinalIgnoreCase)) return null;
        if (!double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            || Math.Abs(value) > 1000)
        {
            throw s.Error(key, $"'{text}' is not a score from -1000 to 1000 (or off)");
        }
        return value;
    }

    /// <summary>An action's threshold by SCL (ACTION_scl), 0–9 as Exchange's.</summary>
    private static int? Scl(Section s, string action) => s.Has(action + "_scl") ? s.Int(action + "_scl", 0, 0, 9) : null;
}
