using System.Globalization;
using Rampart.Policy.Spam;

namespace Rampart.Configuration.Sections;

/// <summary>A listener's spam scoring by Rspamd: where it is, the score thresholds and what a failure leads to.</summary>
internal static class SpamSection
{
    public static SpamOptions? Read(Section? s)
    {
        if (s is null) return null;
        var d = new SpamOptions();
        var url = s.String("url");
        Uri? parsed = null;
        if (url is not null && !Uri.TryCreate(url, UriKind.Absolute, out parsed)) throw s.Error("url", $"'{url}' is not a URL (example: http://127.0.0.1:11333)");
        var options = d with
        {
            Url = parsed ?? d.Url,
            Timeout = s.Duration("timeout", d.Timeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5)),
            MaxScanBytes = s.Size("max_scan_bytes", d.MaxScanBytes, 1024, 1L << 30),
            MaxReplyBytes = (int)s.Size("max_reply_bytes", d.MaxReplyBytes, 1024, 16L * 1024 * 1024),
            TagScore = Score(s, "tag_score", d.TagScore),
            QuarantineScore = Score(s, "quarantine_score", d.QuarantineScore),
            RejectScore = Score(s, "reject_score", d.RejectScore),
            SubjectPrefix = s.String("subject_prefix", d.SubjectPrefix),
            OnFailure = s.Choice("on_failure", d.OnFailure, ("pass", SpamFailureAction.Pass), ("tempfail", SpamFailureAction.TempFail)),
            ScanOutbound = s.Bool("scan_outbound", d.ScanOutbound),
        };
        foreach (var (key, message) in options.Problems()) throw s.Error(key, message);
        s.Finish();
        return options;
    }

    /// <summary>A score ("6", "-1.5", "12.0"), or "off" for a threshold that is not used.</summary>
    private static double? Score(Section s, string key, double? fallback)
    {
        var text = s.String(key);
        if (text is null) return fallback;
        if (text.Trim().Equals("off", StringComparison.OrdinalIgnoreCase)) return null;
        if (!double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            || Math.Abs(value) > 1000)
        {
            throw s.Error(key, $"'{text}' is not a score from -1000 to 1000 (or off)");
        }
        return value;
    }
}
