namespace Rampart.Policy.Rules;

/// <summary>disclaimer: the text appended to every text/plain body part, the HTML (or the text, escaped) to every text/html one (Actions/Disclaimer).</summary>
public sealed record DisclaimerAction(string Text, string? Html) : RuleAction("disclaimer")
{
    public override string Describe => "append disclaimer";
}

/// <summary>redirect: every recipient replaced by these (<see cref="MessageContext.RedirectTo"/>).</summary>
public sealed record RedirectAction(IReadOnlyList<string> To) : RuleAction("redirect")
{
    public override string Describe => $"redirect to {string.Join(", ", To)}";
}

/// <summary>add_recipients: a blind copy or a journal: these recipients added, with NOTIFY=NEVER (<see cref="MessageContext.AddRecipients"/>).</summary>
public sealed record AddRecipientsAction(IReadOnlyList<string> Recipients) : RuleAction("add_recipients")
{
    public override string Describe => $"add recipients {string.Join(", ", Recipients)}";
}

/// <summary>route: every recipient goes through this route, whatever the routing table says (<see cref="MessageContext.RouteThrough"/>).</summary>
public sealed record RouteAction(string Route) : RuleAction("route")
{
    public override string Describe => $"route through {Route}";
}

/// <summary>discard: the client gets its 250 and nobody gets the message (<see cref="Verdict.Discard"/>); later rules do not run.</summary>
public sealed record DiscardAction() : RuleAction("discard")
{
    public override string Describe => "discard";
}
