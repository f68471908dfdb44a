using System.Net;
using Rampart.Dns;
using YamlDotNet.RepresentationModel;

namespace Rampart.Policy.Tests.Spf;

/// <summary>One case of the suite: its scenario's zone, the question, the acceptable results and explanation.</summary>
public sealed record Rfc7208Case(
    string Scenario, string Name, ScriptedResolver Zone, IPAddress Host, string MailFrom, string Helo,
    IReadOnlyList<string> Results, string? Explanation);

/// <summary>
/// Reads Conformance/rfc7208-tests.yml (the openspf.org suite, release 2014.04, from pyspf; LICENSE beside it) as
/// the pyspf driver does: SPF-type records are served as TXT when a name has no TXT of its own ("TXT: NONE" says it
/// has none), since RFC 7208 retired the SPF type and evaluators only ask TXT.
/// </summary>
public static class Rfc7208Suite
{
    private static readonly Lazy<IReadOnlyList<Rfc7208Case>> Cases = new(Load);

    public static IReadOnlyList<Rfc7208Case> All => Cases.Value;

    private static List<Rfc7208Case> Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Spf", "Conformance", "rfc7208-tests.yml");
        var stream = new YamlStream();
        using (var reader = new StreamReader(path))
            stream.Load(reader);
        var cases = new List<Rfc7208Case>();
        foreach (var document in stream.Documents)
        {
            var root = (YamlMappingNode)document.RootNode;
            var scenario = Scalar(root, "description") ?? "";
            var zone = LoadZone((YamlMappingNode)root.Children[new YamlScalarNode("zonedata")]);
            foreach (var (key, value) in ((YamlMappingNode)root.Children[new YamlScalarNode("tests")]).Children)
            {
                var test = (YamlMappingNode)value;
                var result = test.Children[new YamlScalarNode("result")];
                var results = result is YamlSequenceNode many
                    ? many.Children.Select(n => ((YamlScalarNode)n).Value!).ToList()
                    : [((YamlScalarNode)result).Value!];
                cases.Add(new Rfc7208Case(scenario, ((YamlScalarNode)key).Value!, zone,
                    IPAddress.Parse(Scalar(test, "host")!), Scalar(test, "mailfrom") ?? "", Scalar(test, "helo") ?? "",
                    results, Scalar(test, "explanation")));
            }
        }
        return cases;
    }

    private static ScriptedResolver LoadZone(YamlMappingNode zonedata)
    {
        var zone = new ScriptedResolver();
        foreach (var (nameNode, recordsNode) in zonedata.Children)
        {
            var name = ((YamlScalarNode)nameNode).Value!;
            zone.AddName(name);
            var generated = new List<string>();
            var hasTxt = false;
            foreach (var entry in ((YamlSequenceNode)recordsNode).Children)
            {
                if (entry is YamlScalarNode scalar)
                {
                    zone.Add(name, scalar.Value!, scalar.Value!);
                    continue;
                }
                var (typeNode, valueNode) = ((YamlMappingNode)entry).Children.Single();
                var type = ((YamlScalarNode)typeNode).Value!;
                var text = valueNode is YamlScalarNode s ? s.Value : null;
                switch (type)
                {
                    case "TXT":
                        hasTxt = true;
                        if (text != "NONE")
                            zone.Add(name, "TXT", Strings(valueNode));
                        break;
                    case "SPF":
                        // The SPF type itself is never asked (RFC 7208 §3.1); what it holds is what TXT would.
                        generated.Add(Strings(valueNode));
                        break;
                    case "MX":
                        var mx = (YamlSequenceNode)valueNode;
                        zone.Add(name, "MX", new MxRecord(int.Parse(((YamlScalarNode)mx.Children[0]).Value!,
                            System.Globalization.CultureInfo.InvariantCulture), ((YamlScalarNode)mx.Children[1]).Value!));
                        break;
                    default:
                        zone.Add(name, type, text!);
                        break;
                }
            }
            if (!hasTxt)
                foreach (var txt in generated)
                    zone.Add(name, "TXT", txt);
        }
        return zone;
    }

    /// <summary>A TXT record's character-strings joined without separator (RFC 7208 §3.3).</summary>
    private static string Strings(YamlNode node) => node is YamlSequenceNode parts
        ? string.Concat(parts.Children.Select(p => ((YamlScalarNode)p).Value))
        : ((YamlScalarNode)node).Value ?? "";

    private static string? Scalar(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? ((YamlScalarNode)node).Value : null;
}
