using System.Text;
using Rampart.Commands.Admin;
using Rampart.Policy;
using Rampart.Policy.Rules;

namespace Rampart.Commands;

/// <summary>What `rampart rules test` prints: as a table for people, as these records (snake_case JSON) for scripts.</summary>
public sealed record RulesReport(string Listener, string Verdict, string? Reply, IReadOnlyList<RulesReport.RuleView> Rules,
    IReadOnlyList<string> Recipients, string? Route, IReadOnlyList<string> Problems, string Message)
{
    public sealed record RuleView(string Name, string Result, string Why, IReadOnlyList<string> Actions);

    public static RulesReport Of(string listener, RulesRun run, MessageContext message, IReadOnlyList<string> problems, byte[] content, bool whole)
    {
        var (verdict, reply) = run.Verdict switch
        {
            Verdict.Reject r => ("reject", r.Reply.ToString()),
            Verdict.TempFail t => ("defer", t.Reply.ToString()),
            Verdict.Quarantine q => ("quarantine", q.Reason),
            Verdict.Discard d => ("discard", d.Reason),
            _ => ("deliver", (string?)null),
        };
        var rules = run.Traces.Select(t => new RuleView(t.Rule, Result(t.Outcome), t.Why,
            [.. t.Actions.Select(a => run.Applied.FirstOrDefault(x => x.Rule == t.Rule && x.Action == a)?.Describe ?? a.Describe)])).ToList();
        // A refused or discarded message is not kept: there is nothing to show after the rules.
        var kept = verdict is not ("reject" or "defer" or "discard");
        var text = kept ? Encoding.UTF8.GetString(whole ? content : HeaderOf(content)) : "";
        return new RulesReport(listener, verdict, reply, rules, kept ? [.. message.Recipients.Select(r => r.Address)] : [], kept ? message.Route : null,
            problems, text);
    }

    private static string Result(RuleOutcome outcome) => outcome switch
    {
        RuleOutcome.Matched => "matched",
        RuleOutcome.NotMatched => "not matched",
        RuleOutcome.Excepted => "excepted",
        RuleOutcome.Disabled => "disabled",
        _ => "not reached",
    };

    private static byte[] HeaderOf(byte[] content)
    {
        var end = content.AsSpan().IndexOf("\r\n\r\n"u8);
        return end < 0 ? content : content[..(end + 2)];
    }

    public static void Write(RulesReport report)
    {
        var table = CliOutput.Table("Rule", "Result", "Why", "Actions");
        foreach (var rule in report.Rules) CliOutput.AddRow(table, rule.Name, rule.Result, rule.Why, string.Join("; ", rule.Actions));
        CliOutput.Write(table);
        foreach (var problem in report.Problems) CliOutput.Line($"note: {problem}");
        CliOutput.Line($"verdict on listener {report.Listener}: {report.Verdict}{(report.Reply is null ? "" : $" ({report.Reply})")}");
        if (report.Recipients.Count > 0) CliOutput.Line($"recipients: {string.Join(", ", report.Recipients)}{(report.Route is null ? "" : $"; route {report.Route}")}");
        if (report.Message.Length == 0) return;
        CliOutput.Line("");
        // Written as it is, not through the table renderer: the header's own line breaks and brackets stay intact.
        Console.Out.Write(report.Message.Replace("\r\n", Environment.NewLine, StringComparison.Ordinal));
    }
}
