using System.Globalization;

namespace Rampart.Mail;

/// <summary>
/// One named fact a check found about a connection or a message (a symbol, as Rspamd and SpamAssassin call them:
/// "RBL_ZEN", "SPF_FAIL", "GTUBE"), the points the check gives it (negative: evidence of good mail; the weights table
/// may override them), and a short detail for people ("127.0.0.2 from zen.spamhaus.org").
/// </summary>
public sealed record Finding(string Symbol, double Score, string? Detail = null)
{
    /// <summary>"SYMBOL(score)", as the transaction log line and X-Spam-Status print it.</summary>
    public override string ToString() => $"{Symbol}({Score.ToString("0.##", CultureInfo.InvariantCulture)})";
}

/// <summary>
/// One authentication method's outcome, for the Authentication-Results field (RFC 8601 §2.7): method "spf", result
/// "pass", an optional reason, and properties such as ("smtp.mailfrom", "example.com") or ("header.d", "example.com").
/// </summary>
public sealed record AuthResult(string Method, string Result, string? Reason = null, IReadOnlyList<KeyValuePair<string, string>>? Properties = null);

/// <summary>
/// What the checks found, in the order they found it: the facts every check adds and the weights table turns into a
/// verdict (issue 13: one pipeline, one table). Thread-safe, because one client's lookups run in parallel. The
/// session keeps one for the connection (DNS lists at connect, the HELO name) and one per transaction (SPF, DKIM,
/// content), see <see cref="SessionFacts"/>.
/// </summary>
public sealed class Evidence
{
    private readonly Lock gate = new();
    private readonly List<Finding> findings = [];
    private readonly List<AuthResult> results = [];
    private readonly List<string> rules = [];
    private int? spamLevel;

    public void Add(Finding finding)
    {
        lock (gate) findings.Add(finding);
    }

    public void Add(string symbol, double score, string? detail = null) => Add(new Finding(symbol, score, detail));

    /// <summary>Records a method's outcome; a later result of the same method replaces the earlier one.</summary>
    public void Record(AuthResult result)
    {
        lock (gate)
        {
            results.RemoveAll(r => r.Method == result.Method);
            results.Add(result);
        }
    }

    public IReadOnlyList<Finding> Findings
    {
        get { lock (gate) return findings.ToArray(); }
    }

    public IReadOnlyList<AuthResult> Results
    {
        get { lock (gate) return results.ToArray(); }
    }

    /// <summary>The outcome recorded for <paramref name="method"/> ("spf", "dkim", "dmarc", "arc"), if any.</summary>
    public AuthResult? ResultOf(string method)
    {
        lock (gate) return results.FirstOrDefault(r => r.Method == method);
    }

    /// <summary>
    /// The spam confidence level (0-9, -1 for a safe sender that skipped the verdict) the spam verdict gave the
    /// message; null while no verdict was reached. Read by the filters after the spam row (the transport rules' spam_level).
    /// </summary>
    public int? SpamLevel
    {
        get { lock (gate) return spamLevel; }
        set { lock (gate) spamLevel = value; }
    }

    /// <summary>Records that a transport rule matched (once per rule), for the transaction log line.</summary>
    public void NoteRule(string name)
    {
        lock (gate)
        {
            if (!rules.Contains(name)) rules.Add(name);
        }
    }

    /// <summary>The transport rules that matched the message, in the order they ran.</summary>
    public IReadOnlyList<string> Rules
    {
        get { lock (gate) return rules.ToArray(); }
    }

    public bool Has(string symbol)
    {
        lock (gate) return findings.Exists(f => f.Symbol == symbol);
    }
}
