using Rampart.Mail;

namespace Rampart.Policy.SenderAuth;

/// <summary>
/// The findings SPF, DKIM, ARC and DMARC record (issue 13 contract: UPPER_SNAKE symbol, score, short detail), with
/// their default scores in one place; the weights table may override any of them. Scores follow Rspamd's defaults in
/// spirit: a pass is weak evidence of good mail (spammers sign and publish SPF too), a fail stronger evidence of
/// forgery, and a DMARC fail as strong as the domain owner asks for.
/// </summary>
public static class AuthSymbols
{
    public static Finding Spf(string result, string domain) => result switch
    {
        "pass" => new("SPF_PASS", -0.2, domain),
        "fail" => new("SPF_FAIL", 2.0, domain),
        "softfail" => new("SPF_SOFTFAIL", 0.5, domain),
        "neutral" => new("SPF_NEUTRAL", 0, domain),
        "temperror" => new("SPF_TEMPERROR", 0, domain),
        "permerror" => new("SPF_PERMERROR", 0.5, domain),
        _ => new("SPF_NONE", 0, domain),
    };

    public static Finding Dkim(DkimOutcome o) => o.Result switch
    {
        "pass" => new("DKIM_PASS", -0.2, $"d={o.Domain} s={o.Selector}"),
        "fail" => new("DKIM_INVALID", 1.0, $"d={o.Domain} s={o.Selector}: {o.Reason}"),
        "temperror" => new("DKIM_TEMPERROR", 0, $"d={o.Domain} s={o.Selector}"),
        // Verifies, but l= leaves a part unsigned that anyone may have appended (the l= replay): no pass, a little odd.
        "policy" => new("DKIM_PASS_PARTIAL", 0.5, $"d={o.Domain} s={o.Selector}: {o.Reason}"),
        _ => new("DKIM_PERMERROR", 0.5, o.Domain.Length == 0 ? o.Reason : $"d={o.Domain} s={o.Selector}: {o.Reason}"),
    };

    public static readonly Finding DkimNone = new("DKIM_NONE", 0, "no signature");

    public static Finding Arc(ArcOutcome o, bool trusted) => o.Result switch
    {
        "pass" when trusted => new("ARC_TRUSTED", -0.5, $"sealed by {o.Sealer}"),
        "pass" => new("ARC_PASS", 0, $"sealed by {o.Sealer}"),
        "fail" => new("ARC_FAIL", 1.0, o.Reason),
        _ => new("ARC_NONE", 0),
    };

    public static Finding Dmarc(DmarcOutcome o) => o switch
    {
        { Result: "pass" } => new("DMARC_PASS", -0.5, o.FromDomain),
        { Result: "fail", OverriddenBy: { } sealer } => new("DMARC_ARC_OVERRIDE", 0, $"{o.FromDomain}, trusted forwarder {sealer}"),
        { Result: "fail", Disposition: DmarcPolicy.Reject } => new("DMARC_REJECT", 5.0, o.FromDomain),
        { Result: "fail", Disposition: DmarcPolicy.Quarantine } => new("DMARC_QUARANTINE", 3.0, o.FromDomain),
        { Result: "fail" } => new("DMARC_POLICY_NONE", 1.0, $"{o.FromDomain}: {o.Reason}"),
        { Result: "temperror" } => new("DMARC_TEMPERROR", 0, o.FromDomain),
        { Result: "permerror" } => new("DMARC_BAD_FROM", 2.0, o.Reason),
        _ => new("DMARC_NONE", 0, o.FromDomain),
    };
}
