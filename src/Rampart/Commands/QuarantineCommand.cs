using System.CommandLine;
using System.Text;
using Microsoft.Extensions.Logging;
using Rampart.Queue;
using Rampart.Queue.Quarantine;

namespace Rampart.Commands;

/// <summary>
/// `rampart quarantine list|show|release|delete|rescan`: what the filters held back, in data_dir/queue/quarantine.
/// Works on the files while the gateway runs; a released message is taken into delivery within a second (or at
/// the next start). Exit codes: 0 done, 1 some id was not held, 2 bad configuration or arguments.
/// </summary>
public static class QuarantineCommand
{
    private static readonly Argument<string[]> IdsArgument = new("queue-id") { Arity = ArgumentArity.OneOrMore, Description = "Queue ids, as `list` shows them" };

    public static Command Create()
    {
        var command = new Command("quarantine", "List, inspect, release, delete or rescan quarantined messages");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Show());
        command.Subcommands.Add(Release());
        command.Subcommands.Add(Delete());
        command.Subcommands.Add(Rescan());
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "One line per held message: id, received, sender, recipients, size, reason") { RampartCommandLine.ConfigOption };
        command.SetAction(result =>
        {
            if (Open(result) is not { } store) return 2;
            var damaged = new List<string>();
            var held = store.List(damaged);
            foreach (var m in held)
            {
                var e = m.Envelope;
                Console.WriteLine(string.Join('\t', e.QueueId, e.ReceivedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ"),
                    Printable(e.Sender.Address.Length == 0 ? "<>" : e.Sender.Address), e.Recipients.Count + " rcpt", m.ContentLength + " bytes",
                    Printable(e.Quarantine?.Reason ?? "")));
            }
            foreach (var d in damaged) Console.Error.WriteLine($"rampart: damaged quarantine file {d}");
            Console.Error.WriteLine($"{held.Count} held in {store.Folder}");
            return 0;
        });
        return command;
    }

    private static Command Show()
    {
        var content = new Option<bool>("--content") { Description = "Print the whole message as received instead of its header" };
        var id = new Argument<string>("queue-id");
        var command = new Command("show", "The envelope, the hold and the header of one held message") { id, content, RampartCommandLine.ConfigOption };
        command.SetAction(async (result, ct) =>
        {
            if (Open(result) is not { } store) return 2;
            if (store.Find(result.GetValue(id)!) is not { } m) return ConfigOutput.Fail(1, $"no quarantined message {result.GetValue(id)}");
            await using var stream = m.OpenContent();
            if (result.GetValue(content))
            {
                // Raw mail may carry terminal escape sequences: it goes to a file or a pipe, never to a terminal.
                if (!Console.IsOutputRedirected) return ConfigOutput.Fail(2, "--content writes the raw message: redirect it to a file or a pager (> msg.eml)");
                await using var stdout = Console.OpenStandardOutput();
                await stream.CopyToAsync(stdout, ct);
                return 0;
            }
            var e = m.Envelope;
            Console.WriteLine($"queue id:    {e.QueueId}");
            Console.WriteLine($"received:    {e.ReceivedAt:u} on {e.Listener} ({e.Role}) from {e.ClientAddress} ({Printable(e.HeloName ?? "")})");
            Console.WriteLine($"sender:      {Printable(e.Sender.Address.Length == 0 ? "<>" : e.Sender.Address)}");
            foreach (var r in e.Recipients) Console.WriteLine($"recipient:   {Printable(r.Address)}");
            if (e.Quarantine is { } hold)
            {
                Console.WriteLine($"held since:  {hold.At:u} by {string.Join(", ", hold.Filters)}");
                Console.WriteLine($"reason:      {Printable(hold.Reason)}");
            }
            Console.WriteLine($"size:        {m.ContentLength} bytes");
            Console.WriteLine();
            Console.Write(await HeaderBlockAsync(stream, ct));
            return 0;
        });
        return command;
    }

    private static Command Release()
    {
        var unscanned = new Option<bool>("--unscanned")
        {
            Description = "Also release messages held because no virus scanner could scan them (they are delivered unscanned)",
        };
        var command = new Command("release", "Deliver held messages, without the filters that held them") { IdsArgument, unscanned, RampartCommandLine.ConfigOption };
        command.SetAction(async (result, ct) =>
        {
            if (Open(result) is not { } store) return 2;
            using var audit = Audit(store);
            int code = 0;
            foreach (var id in result.GetValue(IdsArgument)!)
            {
                var released = await audit.Operations.ReleaseAsync(id, result.GetValue(unscanned), ct);
                if (released?.Result == QueueAdmin.QueueResults.Released) Console.WriteLine($"{id} released");
                // Held for want of a scan: releasing it would deliver content nobody scanned. A rescan releases it once clean.
                else if (released?.Result == QueueAdmin.QueueResults.Unscanned)
                {
                    code = ConfigOutput.Fail(1, $"{Printable(id)} was never scanned (no scanner answered): `rampart quarantine rescan {Printable(id)}` releases it when clean; --unscanned releases it as it is");
                }
                else code = ConfigOutput.Fail(1, $"no quarantined message {Printable(id)}");
            }
            return code;
        });
        return command;
    }

    private static Command Delete()
    {
        var command = new Command("delete", "Remove held messages for good") { IdsArgument, RampartCommandLine.ConfigOption };
        command.SetAction(async (result, ct) =>
        {
            if (Open(result) is not { } store) return 2;
            using var audit = Audit(store);
            return await EachAsync(result.GetValue(IdsArgument)!, id => Task.FromResult(audit.Operations.Delete(id) is not null), "deleted");
        });
        return command;
    }

    /// <summary>
    /// The release and delete every side does (<see cref="QueueAdmin.QuarantineOperations"/>), with their audit lines on
    /// standard error; standard output keeps one line per id.
    /// </summary>
    private sealed class AuditedQuarantine : IDisposable
    {
        private readonly ILoggerFactory loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true)
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Information));

        public AuditedQuarantine(QuarantineStore store) =>
            Operations = new(store, loggers.CreateLogger("Rampart.Queue.Admin"), $"rampart quarantine (user {Environment.UserName})");

        public QueueAdmin.QuarantineOperations Operations { get; }

        public void Dispose() => loggers.Dispose();
    }

    private static AuditedQuarantine Audit(QuarantineStore store) => new(store);

    private static Command Rescan()
    {
        var ids = new Argument<string[]>("queue-id") { Arity = ArgumentArity.ZeroOrMore, Description = "Queue ids; none: every held message" };
        var command = new Command("rescan", "Scan held messages again with every configured scanner; those held only for want of a scan are released when clean")
        {
            ids, RampartCommandLine.ConfigOption,
        };
        command.SetAction(async (result, ct) =>
        {
            if (ConfigOutput.LoadOrReport(result.GetValue(RampartCommandLine.ConfigOption)) is not { } options) return 2;
            if (options.Scanners.Count == 0) return ConfigOutput.Fail(2, $"{options.Source} defines no scanners: nothing to rescan with");
            var store = new QuarantineStore(Path.Combine(options.DataDir, "queue"));
            var wanted = result.GetValue(ids) ?? [];
            var held = wanted.Length == 0 ? store.List() : wanted.Select(store.Find).OfType<QueuedMessage>().ToList();
            int code = held.Count < wanted.Length ? ConfigOutput.Fail(1, "some of the ids given are not held") : 0;
            await using var scanners = new Policy.Antivirus.VirusScanService([.. options.Scanners.Select(s => s.CreateScanner())]);
            var rescanner = new Gateway.QuarantineRescanner(store, scanners, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, TimeProvider.System);
            var summary = await rescanner.RescanAsync(held, ct, (m, outcome) => Console.WriteLine($"{m.QueueId}\t{Printable(outcome)}"));
            Console.Error.WriteLine($"{summary.Scanned} scanned: {summary.Released} released, {summary.Infected} infected, {summary.StillClean} clean but held, {summary.Failed} not scanned");
            return summary.Failed > 0 ? 1 : code;
        });
        return command;
    }

    private static async Task<int> EachAsync(IEnumerable<string> ids, Func<string, Task<bool>> act, string done)
    {
        int code = 0;
        foreach (var id in ids)
        {
            if (await act(id)) Console.WriteLine($"{id} {done}");
            else code = ConfigOutput.Fail(1, $"no quarantined message {Printable(id)}");
        }
        return code;
    }

    private static QuarantineStore? Open(ParseResult result) =>
        ConfigOutput.LoadOrReport(result.GetValue(RampartCommandLine.ConfigOption)) is { } options
            ? new QuarantineStore(Path.Combine(options.DataDir, "queue"))
            : null;

    /// <summary>The header block as received, capped: a hostile message must not flood the administrator's terminal.</summary>
    private static async Task<string> HeaderBlockAsync(Stream content, CancellationToken ct)
    {
        var block = await QueueAdmin.QueueProjection.HeaderBlockAsync(content, ct);
        return string.Concat(block.Split("\r\n").Select(l => Printable(l) + Environment.NewLine));
    }

    /// <summary>
    /// Control and format characters from mail shown as \xNN / \uNNNN, so a message cannot write escape sequences to a
    /// terminal nor reorder what it shows (right-to-left overrides).
    /// </summary>
    internal static string Printable(string text) =>
        text.Any(Hidden) ? string.Concat(text.Select(c => !Hidden(c) ? c.ToString() : c < 0x100 ? $"\\x{(int)c:X2}" : $"\\u{(int)c:X4}")) : text;

    private static bool Hidden(char c) =>
        c != '\t' && (char.IsControl(c) || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format);
}
