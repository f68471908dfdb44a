using Rampart.Mail;
using Rampart.Smtp.Protocol;
using Rampart.Smtp.Session;
using static Rampart.Smtp.Session.SessionState;

namespace Rampart.Smtp.Tests.Session;

/// <summary>
/// The whole state table, every state by every command: which are legal (and the refusal of the others), and where each
/// leads when accepted, refused or, for DATA and BDAT, when its message ends. States are written by their initials:
/// C Connected, R Ready, M MailGiven, T RcptGiven (T for "to"), K Chunking.
/// </summary>
public class StateTableTests
{
    private static readonly SessionState[] States = [Connected, Ready, MailGiven, RcptGiven, Chunking];

    private static readonly SmtpReply? Ok = null;

    private static readonly Dictionary<string, SmtpCommand> Commands = new()
    {
        ["HELO"] = new SmtpCommand.Helo("c.test", Extended: true),
        ["MAIL"] = new SmtpCommand.Mail(new Sender("a@sender.test")),
        ["RCPT"] = new SmtpCommand.Rcpt(new Recipient("b@rcpt.test")),
        ["DATA"] = new SmtpCommand.Data(),
        ["BDAT"] = new SmtpCommand.Bdat(10, Last: false),
        ["BDAT LAST"] = new SmtpCommand.Bdat(10, Last: true),
        ["RSET"] = new SmtpCommand.Rset(),
        ["NOOP"] = new SmtpCommand.Noop(),
        ["QUIT"] = new SmtpCommand.Quit(),
        ["VRFY"] = new SmtpCommand.Vrfy(),
        ["HELP"] = new SmtpCommand.Help(),
        ["STARTTLS"] = new SmtpCommand.StartTls(),
        ["AUTH"] = new SmtpCommand.Auth("PLAIN", null),
        ["EXPN"] = new SmtpCommand.NotImplemented("EXPN"),
        ["GET"] = new SmtpCommand.Forbidden("GET"),
    };

    /// <summary>
    /// One row per command: the refusal in each state (C R M T K; null: legal), then the next state after the command
    /// was accepted, refused, and ended its message (null: the command has no message and the table throws).
    /// </summary>
    private static readonly (string Command, SmtpReply?[] Check, string Accepted, string Refused, string? Ended)[] Table =
    [
        ("HELO", [Ok, Ok, Ok, Ok, Ok], "RRRRR", "CRRRR", null),
        ("MAIL", [Replies.NeedHelo, Ok, Replies.NestedMail, Replies.NestedMail, Replies.NestedMail], "CMMTK", "CRMTK", null),
        ("RCPT", [Replies.NeedMail, Replies.NeedMail, Ok, Ok, Replies.NestedMail], "CRTTK", "CRMTK", null),
        ("DATA", [Replies.NeedMail, Replies.NeedMail, Replies.NoValidRecipients, Ok, Replies.DataAfterBdat], "CRMTK", "CRMTK", "CRMRK"),
        ("BDAT", [Replies.NeedMail, Replies.NeedMail, Replies.NoValidRecipients, Ok, Ok], "CRMKK", "CRMTK", "CRMRR"),
        ("BDAT LAST", [Replies.NeedMail, Replies.NeedMail, Replies.NoValidRecipients, Ok, Ok], "CRMKK", "CRMTK", "CRMRR"),
        ("RSET", [Ok, Ok, Ok, Ok, Ok], "CRRRR", "CRRRR", null),
        ("NOOP", [Ok, Ok, Ok, Ok, Ok], "CRMTK", "CRMTK", null),
        ("QUIT", [Ok, Ok, Ok, Ok, Ok], "CRMTK", "CRMTK", null),
        ("VRFY", [Ok, Ok, Ok, Ok, Ok], "CRMTK", "CRMTK", null),
        ("HELP", [Ok, Ok, Ok, Ok, Ok], "CRMTK", "CRMTK", null),
        ("STARTTLS", [Ok, Ok, Replies.TlsInTransaction, Replies.TlsInTransaction, Replies.TlsInTransaction], "CCMTK", "CRMTK", null),
        ("AUTH", [Replies.NeedHelo, Ok, Replies.AuthInTransaction, Replies.AuthInTransaction, Replies.AuthInTransaction], "CRMTK", "CRMTK", null),
        ("EXPN", [Ok, Ok, Ok, Ok, Ok], "CRMTK", "CRMTK", null),
        ("GET", [Ok, Ok, Ok, Ok, Ok], "CRMTK", "CRMTK", null),
    ];

    public static TheoryData<string, SessionState> Cells()
    {
        var data = new TheoryData<string, SessionState>();
        foreach (var row in Table) foreach (var state in States) data.Add(row.Command, state);
        return data;
    }

    private static SessionState Parse(char initial) => initial switch
    {
        'C' => Connected,
        'R' => Ready,
        'M' => MailGiven,
        'T' => RcptGiven,
        'K' => Chunking,
        _ => throw new ArgumentOutOfRangeException(nameof(initial)),
    };

    [Fact]
    public void The_table_covers_every_command_kind_and_every_state()
    {
        var kinds = typeof(SmtpCommand).GetNestedTypes().Where(t => t.IsSubclassOf(typeof(SmtpCommand))).ToHashSet();
        Assert.Equal(kinds, Commands.Values.Select(c => c.GetType()).ToHashSet());
        Assert.Equal(Commands.Keys.Order(), Table.Select(r => r.Command).Order());
        Assert.Equal(Enum.GetValues<SessionState>(), States);
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public void Check_allows_or_refuses_each_command_in_each_state(string command, SessionState state)
    {
        var row = Table.Single(r => r.Command == command);
        Assert.Equal(row.Check[(int)state], StateTable.Check(Commands[command], state));
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public void After_gives_the_next_state_for_each_outcome(string command, SessionState state)
    {
        var row = Table.Single(r => r.Command == command);
        var cmd = Commands[command];
        Assert.Equal(Parse(row.Accepted[(int)state]), StateTable.After(cmd, state, CommandOutcome.Accepted));
        Assert.Equal(Parse(row.Refused[(int)state]), StateTable.After(cmd, state, CommandOutcome.Refused));
        if (row.Ended is null)
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => StateTable.After(cmd, state, CommandOutcome.MessageEnded));
        }
        else
        {
            Assert.Equal(Parse(row.Ended[(int)state]), StateTable.After(cmd, state, CommandOutcome.MessageEnded));
        }
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public void A_command_the_table_refuses_changes_nothing_whatever_the_outcome(string command, SessionState state)
    {
        var cmd = Commands[command];
        if (StateTable.Check(cmd, state) is null) return;
        Assert.Equal(state, StateTable.After(cmd, state, CommandOutcome.Refused));
        Assert.Equal(state, StateTable.After(cmd, state, CommandOutcome.Accepted));
        if (cmd is SmtpCommand.Data or SmtpCommand.Bdat) Assert.Equal(state, StateTable.After(cmd, state, CommandOutcome.MessageEnded));
    }

    [Fact]
    public void Only_an_accepted_mail_opens_a_transaction()
    {
        foreach (var (name, cmd) in Commands)
        {
            foreach (var state in States.Where(s => !StateTable.Transaction(s)))
            {
                foreach (var outcome in Enum.GetValues<CommandOutcome>())
                {
                    if (outcome == CommandOutcome.MessageEnded && cmd is not (SmtpCommand.Data or SmtpCommand.Bdat)) continue;
                    bool opens = StateTable.Transaction(StateTable.After(cmd, state, outcome));
                    Assert.True(opens == (cmd is SmtpCommand.Mail && state == Ready && outcome == CommandOutcome.Accepted), $"{name} in {state}, {outcome}");
                }
            }
        }
    }

    [Theory]
    [InlineData(Connected, false)]
    [InlineData(Ready, false)]
    [InlineData(MailGiven, true)]
    [InlineData(RcptGiven, true)]
    [InlineData(Chunking, true)]
    public void The_transaction_states_are_those_between_mail_and_the_end_of_the_message(SessionState state, bool inTransaction) =>
        Assert.Equal(inTransaction, StateTable.Transaction(state));
}
