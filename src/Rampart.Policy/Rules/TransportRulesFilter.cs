using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Rampart.Mail;

namespace Rampart.Policy.Rules;

/// <summary>
/// The transport rules at the end of DATA ("transport_rules"), after the spam verdict, whose SCL and whose
/// authentication results the rules read. Every action taken is one catalogue event (4400), which message tracking
/// shows as "RULE name: action"; the rules that matched are named on the transaction log line.
/// </summary>
public sealed partial class TransportRulesFilter(TransportRulesOptions options, ILogger? logger = null) : IMessageFilter
{
    private readonly ILogger log = logger ?? NullLogger.Instance;

    public string Name => "transport_rules";

    public TransportRulesOptions Options => options;

    public async ValueTask<Verdict> OnMessageAsync(MessageContext message, CancellationToken ct)
    {
        var facts = new RuleMessage(message, options);
        var run = await RuleRunner.RunAsync(facts, ct);
        foreach (var problem in facts.Problems)
        {
            if (problem.StartsWith("message unreadable", StringComparison.Ordinal)) RuleMessageUnreadable(log, message.QueueId, LogText.Escape(problem));
            else RuleRegexTimedOut(log, message.QueueId, LogText.Escape(problem));
        }
        foreach (var taken in run.Applied) RuleActionTaken(log, message.QueueId, taken.Rule, LogText.Escape(taken.Describe));
        return run.Verdict;
    }

    [LoggerMessage(EventCatalogue.RuleActionTaken, LogLevel.Information, "{QueueId}: RULE {Rule}: {Action}")]
    private static partial void RuleActionTaken(ILogger logger, string queueId, string rule, string action);

    [LoggerMessage(EventCatalogue.RuleRegexTimedOut, LogLevel.Warning, "{QueueId}: transport rules: {Problem}")]
    private static partial void RuleRegexTimedOut(ILogger logger, string queueId, string problem);

    [LoggerMessage(EventCatalogue.RuleMessageUnreadable, LogLevel.Information, "{QueueId}: transport rules: {Problem}; its header, body and attachment conditions do not match")]
    private static partial void RuleMessageUnreadable(ILogger logger, string queueId, string problem);
}
