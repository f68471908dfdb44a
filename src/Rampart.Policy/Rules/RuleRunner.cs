using Rampart.Mail;

namespace Rampart.Policy.Rules;

/// <summary>What became of one rule for one message.</summary>
public enum RuleOutcome
{
    Matched,
    NotMatched,
    /// <summary>Its conditions held, but an exception did too.</summary>
    Excepted,
    Disabled,
    /// <summary>An earlier rule stopped processing or refused the message.</summary>
    NotReached,
}

/// <summary>One rule's outcome and why: the condition that failed, the exception that held, or every condition that held.</summary>
public sealed record RuleTrace(string Rule, RuleOutcome Outcome, string Why, IReadOnlyList<RuleAction> Actions);

/// <summary>An action taken, with the rule that took it, and what came of it when that is not what it says (a disclaimer not added).</summary>
public sealed record TakenAction(string Rule, RuleAction Action, string? Note = null)
{
    public string Describe => Note is null ? Action.Describe : $"{Action.Describe}: {Note}";
}

/// <summary>The rules' run over one message: each rule's trace, the actions applied, and the verdict for the chain.</summary>
public sealed record RulesRun(IReadOnlyList<RuleTrace> Traces, IReadOnlyList<TakenAction> Applied, Verdict Verdict);

/// <summary>
/// Runs the rules in order over one message, then applies what the matching ones asked for: a refusal, or else a
/// discard, ends the run and wins (nothing else is applied: the message is not kept); the header edits of every rule
/// are one rewrite of the content (<see cref="MessageContext.ReplaceContentAsync"/>), each disclaimer is appended
/// after them (Actions/Disclaimer writes its own copy), the recipients and the route are changed in rule order, and a
/// quarantine holds the message, named after the first rule that asked.
/// </summary>
public static class RuleRunner
{
    public static async Task<RulesRun> RunAsync(RuleMessage message, CancellationToken ct)
    {
        var traces = new List<RuleTrace>();
        var taken = new List<TakenAction>();
        string? ended = null;
        foreach (var rule in message.Options.Rules)
        {
            if (ended is not null)
            {
                traces.Add(new RuleTrace(rule.Name, RuleOutcome.NotReached, ended, []));
                continue;
            }
            if (!rule.Enabled)
            {
                traces.Add(new RuleTrace(rule.Name, RuleOutcome.Disabled, "enabled: false", []));
                continue;
            }
            var (outcome, why) = await EvaluateAsync(rule, message, ct);
            if (outcome != RuleOutcome.Matched)
            {
                traces.Add(new RuleTrace(rule.Name, outcome, why, []));
                continue;
            }
            message.Session.Transaction.NoteRule(rule.Name);
            List<RuleAction> actions = [.. rule.Actions];
            if (rule.Stop) actions.Add(new StopAction());
            traces.Add(new RuleTrace(rule.Name, outcome, why, actions));
            taken.AddRange(actions.Select(a => new TakenAction(rule.Name, a)));
            if (rule.Actions.Any(a => a is RejectAction)) ended = $"rule {rule.Name} refused the message";
            else if (rule.Actions.Any(a => a is DiscardAction)) ended = $"rule {rule.Name} discarded the message";
            else if (rule.Stop) ended = $"rule {rule.Name} stopped processing";
        }
        var (verdict, applied) = await ApplyAsync(message, taken, ct);
        return new RulesRun(traces, applied, verdict);
    }

    /// <summary>Every condition must hold (the first that does not decides); then any exception that holds skips the rule.</summary>
    private static async Task<(RuleOutcome, string)> EvaluateAsync(TransportRule rule, RuleMessage message, CancellationToken ct)
    {
        var reasons = new List<string>();
        foreach (var condition in rule.Conditions)
        {
            var test = await condition.TestAsync(message, ct);
            if (!test.Matched) return (RuleOutcome.NotMatched, test.Why);
            reasons.Add(test.Why);
        }
        foreach (var exception in rule.Exceptions)
        {
            var test = await exception.TestAsync(message, ct);
            if (test.Matched) return (RuleOutcome.Excepted, $"exception {test.Why}");
        }
        return (RuleOutcome.Matched, reasons.Count == 0 ? "no conditions: every message" : string.Join("; ", reasons));
    }

    private static async Task<(Verdict, IReadOnlyList<TakenAction>)> ApplyAsync(RuleMessage message, List<TakenAction> taken, CancellationToken ct)
    {
        if (taken.FirstOrDefault(t => t.Action is RejectAction) is { } refusal)
        {
            var reply = ((RejectAction)refusal.Action).Reply;
            return (reply.Code >= 500 ? new Verdict.Reject(reply) : new Verdict.TempFail(reply), [refusal]);
        }
        if (taken.FirstOrDefault(t => t.Action is DiscardAction) is { } discard)
        {
            return (new Verdict.Discard($"transport rule {discard.Rule}"), [discard]);
        }
        var edits = taken.Select(t => t.Action).OfType<HeaderEdit>().ToList();
        if (edits.Count > 0)
        {
            try
            {
                await RewriteHeaderAsync(message, edits, ct);
            }
            catch (InvalidDataException ex)
            {
                // Never a partial edit: a remove_header that missed a field below an over-long section would pass it on.
                var first = taken.First(t => t.Action is HeaderEdit);
                return (new Verdict.TempFail(new SmtpReply(451, "4.3.0", "header section could not be edited, try again later")),
                    [first with { Note = $"not applied: {ex.Message}" }]);
            }
        }
        var applied = new List<TakenAction>(taken.Count);
        // Every redirect before every addition, whatever the rules' order: a journaling copy added by one rule is not
        // lost to another rule's redirect (which replaces the recipients it finds).
        foreach (var t in taken.OrderBy(t => t.Action is AddRecipientsAction ? 1 : 0))
        {
            try
            {
                applied.Add(await EnvelopeAsync(message, t, ct));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One action that fails (an address the message cannot carry, MimeKit on a strange part) is noted and
                // the others still apply: the message is not refused with a 421 for it.
                applied.Add(t with { Note = $"failed: {ex.GetType().Name}: {ex.Message}" });
            }
        }
        var verdict = taken.FirstOrDefault(t => t.Action is QuarantineAction) is { } hold
            ? Verdict.Quarantine.For(new QuarantineReason(QuarantineAction.Hold,
                $"rule {hold.Rule}" + (((QuarantineAction)hold.Action).Reason is { } reason ? $": {reason}" : "")))
            : Verdict.Next;
        return (verdict, applied);
    }

    /// <summary>The actions that go through the primitives of Actions/ and <see cref="MessageContext"/>; the others pass as they are.</summary>
    private static async Task<TakenAction> EnvelopeAsync(RuleMessage message, TakenAction taken, CancellationToken ct)
    {
        switch (taken.Action)
        {
            case DisclaimerAction disclaimer:
                var result = await Actions.Disclaimer.AppendAsync(message.Message, disclaimer.Text, disclaimer.Html, ct);
                if (!result.Changed) return taken with { Note = $"not added ({result.Outcome.ToString().ToLowerInvariant()}: {result.Detail})" };
                message.ContentChanged();
                return taken;
            case RedirectAction redirect:
                message.Message.RedirectTo([.. redirect.To.Select(a => new Recipient(a))]);
                return taken;
            case AddRecipientsAction add:
                message.Message.AddRecipients([.. add.Recipients.Select(a => new Recipient(a))]);
                return taken;
            case RouteAction route:
                message.Message.RouteThrough(route.Route);
                return taken;
            default:
                return taken;
        }
    }

    private static async Task RewriteHeaderAsync(RuleMessage message, IReadOnlyList<HeaderEdit> edits, CancellationToken ct)
    {
        var subject = (await message.ParsedAsync(ct))?.Headers.FirstOrDefault(h => h.Id == MimeKit.HeaderId.Subject) is { } field
            ? HeaderEditor.Unfold(field.Value).Trim()
            : null;
        await message.Message.ReplaceContentAsync(async (target, token) =>
        {
            await using var source = message.Message.OpenContent();
            await HeaderEditor.WriteAsync(source, target, edits, subject, token, message.Message.MaxHeaderSize + message.Message.OwnFieldsLength);
        }, ownFieldsCopied: true, ct);
        message.ContentChanged();
    }
}
