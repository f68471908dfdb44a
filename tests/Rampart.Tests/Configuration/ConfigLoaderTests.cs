using System.Net;
using Rampart.Configuration;
using Rampart.Mail;
using Rampart.Testing;

namespace Rampart.Tests.Configuration;

/// <summary>
/// What the loader itself does before and after the section readers (Sections/*Tests): reading the file or the
/// embedded default, YAML errors, environment overrides, and the complete files that must load.
/// </summary>
public sealed class ConfigLoaderTests : ConfigTest
{
    [Theory]
    [InlineData("hostname: mx.example.test\nlisteners: [\n", "not valid YAML")]
    [InlineData("hostname: mx.example.test\n\thostname: again\n", "not valid YAML")]
    [InlineData("hostname: a\nhostname: b\n", "not valid YAML")]
    [InlineData("- just\n- a list\n", "the configuration must be a mapping")]
    public void Invalid_yaml_names_the_file_and_a_position(string yaml, string problem)
    {
        var path = Write(yaml);

        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path, NoEnvironment));

        Assert.Matches($"^{System.Text.RegularExpressions.Regex.Escape(path)}:[1-9][0-9]*:[1-9][0-9]*: ", error.Message);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_without_listeners_is_refused()
    {
        var path = Write("hostname: mx.example.test\n");

        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path, NoEnvironment));

        Assert.StartsWith($"{path}:1:1: ", error.Message);
        Assert.Contains("listeners: at least one listener is required", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_config_file_is_named()
    {
        var path = temp.File("nowhere.yaml");

        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path, NoEnvironment));

        Assert.StartsWith($"{path}: cannot read the configuration file: ", error.Message);
    }

    [Fact]
    public void A_directory_given_as_config_file_is_named()
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Load(temp.Path, NoEnvironment));

        Assert.StartsWith($"{temp.Path}: cannot read the configuration file: ", error.Message);
    }

    [Fact]
    public void An_environment_variable_overrides_a_scalar()
    {
        var options = Load(Valid, ("RAMPART__LISTENERS__INBOUND__PORT", "2600"));

        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 2600), options.Listeners.Single(l => l.Name == "inbound").EndPoint);
    }

    [Fact]
    public void An_environment_variable_overrides_a_list_written_as_yaml()
    {
        var options = Load(Valid, ("RAMPART__LISTENERS__INBOUND__ACCEPTED_DOMAINS", "[a.test, b.test]"), ("RAMPART__POSTMASTER", "postmaster@example.test"));

        Assert.Equal(new[] { "a.test", "b.test" }, options.Listeners.Single(l => l.Name == "inbound").AcceptedDomains.Select(d => d.Name));
    }

    [Fact]
    public void Environment_variable_names_are_case_insensitive_and_may_add_keys()
    {
        var options = Load(Valid,
            ("rampart__hostname", "gw.example.test"),
            ("RAMPART__LISTENERS__INBOUND__LIMITS__MAX_RECIPIENTS", "250"),
            ("RAMPART__QUEUE__RETRY_INITIAL", "10s"),
            ("OTHER__HOSTNAME", "ignored"));

        Assert.Equal("gw.example.test", options.HostName);
        Assert.Equal(250, options.Listeners.Single(l => l.Name == "inbound").Limits.MaxRecipients);
        Assert.Equal(TimeSpan.FromSeconds(10), options.Queue.RetryInitial);
    }

    [Theory]
    [InlineData("RAMPART__LISTENERS__INBOUND__PORT", "twenty-five", "listeners.inbound.port: 'twenty-five' is not a whole number")]
    [InlineData("RAMPART__LISTENERS__INBOUND__ACCEPTED_DOMAINS", "[a.test, b_.test]", "listeners.inbound.accepted_domains: 'b_.test' is not a domain name")]
    [InlineData("RAMPART__LISTENERS__INBUOND__PORT", "2600", "listeners.inbuond.role: is required")]
    [InlineData("RAMPART__LISTENERS__INBOUND__ACCEPTED_DOMAINS", "[a.test", "not a valid YAML value")]
    [InlineData("RAMPART__HOSTNAME__NAME", "x", "'hostname' is not a section")]
    [InlineData("RAMPART__LISTENERS____PORT", "1", "empty key segment")]
    [InlineData("RAMPART__LISTENERS__INBOUND__PROT", "2600", "listeners.inbound.prot: unknown key")]
    public void A_bad_environment_value_names_the_variable(string name, string value, string problem)
    {
        var error = Assert.Throws<ConfigException>(() => Load(Valid, (name, value)));

        Assert.StartsWith($"environment variable {name}: ", error.Message);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_embedded_default_keeps_everything_on_this_machine()
    {
        var options = ConfigLoader.Load(null, NoEnvironment);

        Assert.Equal(ConfigLoader.EmbeddedName, options.Source);
        Assert.Equal("localhost", options.HostName);
        Assert.Equal(Path.Combine(Directory.GetCurrentDirectory(), "data"), options.DataDir);
        Assert.Null(options.Tls);

        var inbound = options.Listeners.Single(l => l.Name == "inbound");
        Assert.Equal(ListenerRole.Inbound, inbound.Role);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 2525), inbound.EndPoint);
        Assert.Equal(new[] { "example.test" }, inbound.AcceptedDomains.Select(d => d.Name));
        Assert.Empty(inbound.RelayNetworks);
        Assert.Equal(new Smtp.Session.SmtpLimits(), inbound.Limits);

        var outbound = options.Listeners.Single(l => l.Name == "outbound");
        Assert.Equal(ListenerRole.Outbound, outbound.Role);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 2587), outbound.EndPoint);
        Assert.Equal(new[] { IPNetwork.Parse("127.0.0.0/8") }, outbound.RelayNetworks);
        Assert.Equal(2, options.Listeners.Count);

        Assert.Equal(["example.test -> local: drop drop", "* -> outgoing: drop outgoing"], Describe(options));
        Assert.Equal(new QueueOptions(), options.Queue);
        Assert.Equal("postmaster@example.test", options.Postmaster);
        Assert.Equal(Delivery.Bounces.DoubleBounce.Discard, options.DoubleBounce);
    }

    [Fact]
    public void The_example_configuration_loads()
    {
        var path = Path.Combine(RepositoryRoot(), "examples", "gateway.yaml");
        ExampleDkimKey.Ensure(Path.GetDirectoryName(path)!); // the README tour's keygen step

        var options = ConfigLoader.Load(path, NoEnvironment);

        Assert.Equal("mx.example.test", options.HostName);
        Assert.Equal(Path.Combine(Path.GetDirectoryName(path)!, "data"), options.DataDir);
        var inbound = options.Listeners.Single(l => l.Role == ListenerRole.Inbound);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 2525), inbound.EndPoint);
        Assert.Equal(new[] { "example.test" }, inbound.AcceptedDomains.Select(d => d.Name));
        // The README's tour sends to bob@ and user@; bounces go to postmaster@.
        var list = Rampart.Policy.Recipients.RecipientFileSource.Parse(File.ReadAllLines(inbound.Recipients!.File!));
        Assert.Null(list.Error);
        Assert.Superset(new HashSet<string> { "postmaster@example.test", "bob@example.test", "user@example.test" }, list.Addresses);
        var outbound = options.Listeners.Single(l => l.Role == ListenerRole.Outbound);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 2587), outbound.EndPoint);
        Assert.Equal(new[] { IPNetwork.Parse("127.0.0.0/8") }, outbound.RelayNetworks);
        Assert.Equal(["PLAIN", "LOGIN", "SCRAM-SHA-256"], outbound.Auth!.Mechanisms);
        Assert.Equal(new Rampart.Auth.FailureLimits(), outbound.Auth.Failures);
        Assert.Null(inbound.Auth);
        Assert.Equal(["example.test -> internal: smtp 127.0.0.1:2626", "* -> internet: mx port 25"], Describe(options));
        Assert.Equal(TimeSpan.FromDays(5), options.Queue.MaxQueueTime);
        Assert.Equal(TimeSpan.FromHours(4), options.Queue.DelayWarning);
        // Inbound mail is scanned by clamd on 127.0.0.1:3310, and programs and scripts are refused.
        var clamav = Assert.Single(options.Scanners);
        Assert.Equal(("clamav", Rampart.Policy.Antivirus.ScannerKind.Clamd, "127.0.0.1:3310"), (clamav.Name, clamav.Kind, clamav.Address));
        Assert.Equal([clamav], inbound.Antivirus!.Scanners);
        Assert.Contains("executable", inbound.Attachments!.Block);
        Assert.Contains("script", inbound.Attachments.Block);
        Assert.Null(outbound.Antivirus);
        // Outbound mail from example.test is signed (and cleaned first); inbound is not.
        Assert.Equal(["example.test"], options.DkimSigning!.Domains.Keys);
        Assert.True(options.DkimSigning.AppliesTo(outbound.Name, outbound.Role));
        Assert.False(options.DkimSigning.AppliesTo(inbound.Name, inbound.Role));
        Assert.True(options.HeaderHygiene.AnyOutbound);
    }

    [Fact]
    public void The_example_commented_transport_rules_load_once_uncommented()
    {
        var path = Path.Combine(RepositoryRoot(), "examples", "gateway.yaml");
        var examples = Path.GetDirectoryName(path)!;
        ExampleDkimKey.Ensure(examples);
        var lines = File.ReadAllLines(path).ToList();
        var start = lines.IndexOf("# transport_rules:");
        Assert.True(start >= 0, "examples/gateway.yaml has no commented transport_rules: block");
        // The block runs to the first line that is not a comment: each of its lines loses its "# ".
        for (var i = start; i < lines.Count && lines[i].StartsWith('#'); i++) lines[i] = lines[i][2..];
        // Written beside the example, so that its relative paths (recipients.txt, keys/) mean the same.
        var uncommented = Path.Combine(examples, $"gateway-rules-{Guid.NewGuid():N}.yaml");
        File.WriteAllLines(uncommented, lines);
        try
        {
            var options = ConfigLoader.Load(uncommented, NoEnvironment);
            Assert.Equal(["external-warning", "outbound-disclaimer", "journal-board"], options.TransportRules!.Rules.Select(r => r.Name));
        }
        finally
        {
            File.Delete(uncommented);
        }
    }

    private static string[] Describe(GatewayOptions options) => options.Routing.Select(rule =>
    {
        var r = options.Routes.Single(x => x.Name == rule.Route);
        var to = r.Transport switch
        {
            TransportKind.Drop => $"drop {r.Path}",
            TransportKind.Mx => $"mx port {r.Port}",
            _ => $"smtp {string.Join(',', r.Hosts)}",
        };
        return $"{string.Join(',', rule.Domains)} -> {r.Name}: {to}";
    }).ToArray();

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            // The solution file marks the root (Rampart.slnx today; Rampart.sln in older checkouts).
            if (File.Exists(Path.Combine(dir.FullName, "Rampart.sln")) || File.Exists(Path.Combine(dir.FullName, "Rampart.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no Rampart.sln above {AppContext.BaseDirectory}");
    }
}
