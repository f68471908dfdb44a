using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Rampart.Mail;

namespace Rampart.EndToEnd;

/// <summary>
/// The event catalogue is the one list of what Rampart logs: every <c>[LoggerMessage]</c> in the product takes
/// its id from <see cref="EventCatalogue"/> under its own name, no log line goes around it, and
/// <c>docs/events.md</c> (id, name, level, fields) is what the declarations say. Set
/// <c>RAMPART_WRITE_EVENTS_DOC=1</c> to rewrite the document after adding an event.
/// </summary>
public sealed partial class EventCatalogueTests
{
    private const string DocPath = "docs/events.md";

    private sealed record Declaration(int Id, string Name, LogLevel Level, string Template, string Owner);

    [Fact]
    public void Every_logged_event_takes_its_id_from_the_catalogue_under_its_own_name()
    {
        var catalogue = CatalogueConstants();
        var declarations = Declarations();
        Assert.NotEmpty(declarations);
        foreach (var d in declarations)
        {
            Assert.True(catalogue.TryGetValue(d.Name, out int id), $"{d.Owner}.{d.Name} ({d.Id}) is not in EventCatalogue");
            Assert.True(id == d.Id, $"{d.Owner}.{d.Name} logs id {d.Id}, the catalogue says {id}");
        }
        var twice = declarations.GroupBy(d => d.Id).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(twice.Count == 0, $"ids declared twice: {string.Join(", ", twice)}");
        var unused = catalogue.Keys.Except(declarations.Select(d => d.Name)).ToList();
        Assert.True(unused.Count == 0, $"catalogue entries nothing logs: {string.Join(", ", unused)}");
    }

    [Fact]
    public void The_events_document_lists_every_event_with_its_level_and_fields()
    {
        var expected = Document(Declarations());
        var path = Path.Combine(DocumentationTests.RepositoryRoot(), DocPath);
        if (Environment.GetEnvironmentVariable("RAMPART_WRITE_EVENTS_DOC") == "1") File.WriteAllText(path, expected);
        Assert.Equal(expected, File.ReadAllText(path));
    }

    [Fact]
    public void No_log_line_in_the_product_goes_around_the_catalogue()
    {
        var src = Path.Combine(DocumentationTests.RepositoryRoot(), "src");
        var offenders = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (f, line, i)))
            .Where(x => PlainLogCall().IsMatch(x.line))
            .Select(x => $"{Path.GetRelativePath(src, x.f)}:{x.i + 1}")
            .ToList();
        Assert.True(offenders.Count == 0, $"log calls without a catalogue id: {string.Join(", ", offenders)}");
    }

    private static Dictionary<string, int> CatalogueConstants() =>
        typeof(EventCatalogue).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .ToDictionary(f => f.Name, f => (int)f.GetRawConstantValue()!);

    private static List<Declaration> Declarations()
    {
        Assembly[] product =
        [
            typeof(Rampart.Gateway.Gateway).Assembly, typeof(Rampart.Smtp.Transport.SmtpListener).Assembly,
            typeof(Rampart.Policy.PolicyChain).Assembly, typeof(Rampart.Queue.QueueStore).Assembly,
            typeof(Rampart.Delivery.DeliveryAgent).Assembly, typeof(Rampart.Auth.UserStore).Assembly, typeof(EventCatalogue).Assembly,
            typeof(Rampart.Dns.DnsService).Assembly,
            typeof(Rampart.Tracking.TrackingWriter).Assembly,
        ];
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        return product.Distinct()
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(all).Select(m => (t, m, attribute: m.GetCustomAttribute<LoggerMessageAttribute>())))
            .Where(x => x.attribute is not null)
            .Select(x => new Declaration(x.attribute!.EventId, x.m.Name, x.attribute.Level, x.attribute.Message, x.t.FullName!))
            .OrderBy(d => d.Id)
            .ToList();
    }

    private static string Document(IEnumerable<Declaration> declarations)
    {
        var doc = new StringBuilder();
        doc.Append("""
            # Events

            Every line Rampart logs is one of these events. The id and name are stable: log processors, message tracking
            and metrics may rely on them (`EventId` in `log_format: json`, the number in brackets in the console format).
            The fields are the names in the structured log. This file is generated from the product's `[LoggerMessage]`
            declarations (`src/Rampart.Mail/EventCatalogue.cs` holds the ids); `EventCatalogueTests` fails when they
            differ. After adding an event, run the test once with `RAMPART_WRITE_EVENTS_DOC=1`.

            | id | name | level | fields | message |
            |---:|---|---|---|---|

            """);
        foreach (var d in declarations)
        {
            var fields = string.Join(", ", Field().Matches(d.Template).Select(m => m.Groups[1].Value).Distinct());
            var message = d.Template.Replace("|", "\\|");
            doc.Append($"| {d.Id} | {d.Name} | {d.Level} | {fields} | {message} |\n");
        }
        return doc.ToString();
    }

    [GeneratedRegex(@"\{(\w+)(?:[:,][^}]*)?\}")]
    private static partial Regex Field();

    /// <summary>An ILogger extension call (LogWarning, Log(LogLevel…)) instead of a declared event.</summary>
    [GeneratedRegex(@"\.Log(Trace|Debug|Information|Warning|Error|Critical)?\(")]
    private static partial Regex PlainLogCall();
}
