using Rampart.Mail;

namespace Rampart.Policy.Rules;

/// <summary>One action of a rule, named by its configuration key; <see cref="Describe"/> is what tracking and `rules test` show.</summary>
public abstract record RuleAction(string Key)
{
    public abstract string Describe { get; }
}

/// <summary>An action that changes the header section; all of a message's are written in one rewrite (<see cref="HeaderEditor"/>).</summary>
public abstract record HeaderEdit(string Key) : RuleAction(Key);

/// <summary>add_header: one more field, whatever fields of that name there are.</summary>
public sealed record AddHeaderAction(string Field, string Value) : HeaderEdit("add_header")
{
    public override string Describe => $"add header {Field}";
}

/// <summary>set_header: every field of that name removed, this one added.</summary>
public sealed record SetHeaderAction(string Field, string Value) : HeaderEdit("set_header")
{
    public override string Describe => $"set header {Field}";
}

/// <summary>remove_header: every field of that name removed.</summary>
public sealed record RemoveHeaderAction(string Field) : HeaderEdit("remove_header")
{
    public override string Describe => $"remove header {Field}";
}

/// <summary>prepend_subject: the text put before the subject (once: a subject that already starts with it is left).</summary>
public sealed record PrependSubjectAction(string Prefix) : HeaderEdit("prepend_subject")
{
    public override string Describe => $"prepend subject \"{Prefix}\"";
}

/// <summary>reject: the message refused at the end of DATA with this reply (5xx permanent, 4xx temporary); nothing is kept.</summary>
public sealed record RejectAction(SmtpReply Reply) : RuleAction("reject")
{
    public override string Describe => $"reject {Reply}";
}

/// <summary>quarantine: the message held in the quarantine (hold "transport_rules"), the reason naming the rule.</summary>
public sealed record QuarantineAction(string? Reason) : RuleAction("quarantine")
{
    /// <summary>The hold's name, which `rampart quarantine` shows and a rescan never lifts.</summary>
    public const string Hold = "transport_rules";

    public override string Describe => Reason is null ? "quarantine" : $"quarantine ({Reason})";
}

/// <summary>stop: no later rule is evaluated for this message (the rule's <c>stop: true</c>).</summary>
public sealed record StopAction() : RuleAction("stop")
{
    public override string Describe => "stop processing rules";
}
