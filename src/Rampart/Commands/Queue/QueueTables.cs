using Rampart.Commands.Admin;
using Rampart.QueueAdmin;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Rampart.Commands.Queue;

/// <summary>
/// The tables `rampart queue` prints for people. Everything that comes from mail (senders, recipients, replies,
/// header fields) is shown as plain text, never as Spectre markup, and with its control characters escaped
/// (<see cref="QuarantineCommand.Printable"/>): a sender named "[red]..." or carrying terminal escapes stays inert.
/// </summary>
internal static class QueueTables
{
    public static void List(IAnsiConsole console, QueueListing listing)
    {
        var table = CliOutput.Table("Queue id", "State", "Arrived (UTC)", "Size", "Sender", "Recipients", "Destinations", "Attempts", "Next attempt", "Held by / reason");
        foreach (var m in listing.Messages)
        {
            Row(table, m.Id, m.State, Time(m.Arrived), Size(m.Size), m.Sender, Recipients(m), string.Join(", ", m.Destinations),
                m.Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture), m.NextAttempt is { } next ? Time(next) : "-", m.Quarantine ?? m.HeldBy ?? "-");
        }
        console.Write(table);
        console.Write(new Text($"{listing.Messages.Count} shown of {listing.Total} matching, {Size(listing.Messages.Sum(m => m.Size))} in those shown" + Environment.NewLine));
        foreach (var damaged in listing.Damaged) console.Write(new Text($"damaged: {Printable(damaged)}" + Environment.NewLine));
    }

    public static void Show(IAnsiConsole console, QueueMessageDetail detail)
    {
        var m = detail.Message;
        var e = detail.Envelope;
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        void Field(string name, string? value) => grid.AddRow(new Text(name), Plain(value ?? "-"));
        Field("queue id", m.Id);
        Field("state", m.State);
        Field("arrived", Time(m.Arrived));
        Field("size", Size(m.Size));
        Field("sender", m.Sender);
        Field("listener", $"{e.Listener} ({e.Role}) from {e.Client}");
        Field("helo", e.Helo);
        Field("tls", e.Tls);
        Field("authenticated", e.AuthenticatedUser);
        Field("destinations", string.Join(", ", m.Destinations));
        Field("attempts", m.Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Field("next attempt", m.NextAttempt is { } next ? Time(next) : null);
        if (m.State == QueueStates.Quarantined)
        {
            Field("quarantined by", m.HeldBy);
            Field("reason", m.Quarantine);
        }
        else if (m.Held)
        {
            Field("held by", m.HeldBy);
        }
        if (e.ReleasedFrom is not null) Field("released from", e.ReleasedFrom);
        if (e.IsNotice) Field("notice", "a delivery status notification the gateway wrote");
        console.Write(grid);
        console.WriteLine();

        var recipients = CliOutput.Table("Recipient", "State", "Last reply", "At (UTC)", "Remote MTA");
        foreach (var r in m.Recipients) Row(recipients, r.Address, r.State, r.LastReply ?? "-", r.At is { } at ? Time(at) : "-", r.RemoteMta ?? "-");
        console.Write(recipients);
        console.WriteLine();
        foreach (var line in detail.Header.Split("\r\n")) console.Write(new Text(Printable(line) + Environment.NewLine));
    }

    public static void Results(IAnsiConsole console, IReadOnlyList<QueueActionResult> results)
    {
        var table = CliOutput.Table("Queue id", "Result", "Detail");
        foreach (var r in results) Row(table, r.Id, r.Result, r.Detail ?? "");
        console.Write(table);
    }

    public static void Flush(IAnsiConsole console, FlushResult flush)
    {
        var where = flush.Destination is null ? "" : $" for {flush.Destination}";
        console.Write(new Text($"{flush.Ids.Count} messages{Printable(where)} set going" + Environment.NewLine));
        if (flush.Ids.Count == 0) return;
        var table = CliOutput.Table("Queue id");
        foreach (var id in flush.Ids.Take(FlushRowsShown)) Row(table, id);
        console.Write(table);
        if (flush.Ids.Count > FlushRowsShown)
        {
            console.Write(new Text($"and {flush.Ids.Count - FlushRowsShown} more (--json lists every id)" + Environment.NewLine));
        }
    }

    // A flush after an outage sets the whole queue going: a table of 100,000 ids took the command 7 s to lay out
    // (bench/scale.sh) and no one reads it; the count says what happened, --json gives every id to a script.
    private const int FlushRowsShown = 100;

    private static IRenderable Plain(string text) => new Text(Printable(text));

    private static void Row(Table table, params string[] cells) => CliOutput.AddRow(table, [.. cells.Select(Printable)]);

    private static string Printable(string text) => QuarantineCommand.Printable(text);

    private static string Recipients(QueueMessageView m) =>
        m.Recipients.Count == 0 ? "-" : m.Recipients.Count == 1 ? m.Recipients[0].Address : $"{m.Recipients[0].Address} (+{m.Recipients.Count - 1})";

    internal static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);

    internal static string Size(long bytes) => bytes switch
    {
        < 10 * 1024 => $"{bytes} B",
        < 10 * 1024 * 1024 => $"{bytes / 1024} KiB",
        _ => $"{bytes / (1024 * 1024)} MiB",
    };
}
