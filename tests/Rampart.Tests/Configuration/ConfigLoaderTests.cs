using System.Net;
using Rampart.Configuration;
using Rampart.Mail;
using Rampart.Testing;

namespace Rampart.Tests.Configuration;

/// <summary>
/// Every configuration mistake must stop the start with one line an administrator can act on:
/// FILE:LINE:COL: key.path: what is wrong. Each row changes one line of a valid file.
/// </summary>
public sealed class ConfigLoaderTests : IDisposable
{
    private const string Valid = """
        hostname: mx.example.test
        listeners:
          inbound:
            role: inbound
            address: 127.0.0.1
            port: 2525
            accepted_domains: [example.test]
            limits:
              max_message_size: 35MiB
              command_timeout: 5m
          outbound:
            role: outbound
            address: 127.0.0.1
            port: 2587
            relay_networks: [127.0.0.0/8]
        routes:
          local:
            transport: drop
            path: drop
          internal:
            transport: smtp
            hosts: ["10.0.0.5:2626"]
        routing:
          - domains: [example.test]
            route: local
        """;

    private static readonly KeyValuePair<string, string>[] NoEnvironment = [];

    private readonly TempDirectory temp = new("rampart-config");

    public void Dispose() => temp.Dispose();

    private string Write(string yaml) => ConfigFile.Write(temp, yaml);

    private GatewayOptions Load(string yaml, params (string Name, string Value)[] environment) =>
        ConfigLoader.Load(Write(yaml), environment.Select(e => KeyValuePair.Create(e.Name, e.Value)).ToList());

    [Theory]
    // Unknown keys: a typo must never be a silently ignored setting.
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\nhost_name: mx", "host_name", "host_name", "unknown key")]
    [InlineData("    port: 2525", "    port: 2525\n    max_size: 10MB", "max_size", "listeners.inbound.max_size", "unknown key")]
    [InlineData("      command_timeout: 5m", "      command_timeout: 5m\n      max_recipient: 5", "max_recipient", "listeners.inbound.limits.max_recipient", "unknown key")]
    [InlineData("    path: drop", "    path: drop\n    hots: mail.example.test", "hots", "routes.local.hots", "unknown key")]
    [InlineData("    path: drop", "    path: drop\n    host: mail.example.test", "host: mail", "routes.local.host", "unknown key")]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\nqueue:\n  workers: 4", "workers", "queue.workers", "unknown key")]
    // Listener values.
    [InlineData("    port: 2525", "    port: 70000", "port: |70000", "listeners.inbound.port", "'70000' is not a whole number from 0 to 65535")]
    [InlineData("    port: 2525", "    port: smtp", "port: |smtp", "listeners.inbound.port", "'smtp' is not a whole number")]
    [InlineData("    port: 2525", "", "role: inbound", "listeners.inbound.port", "is required")]
    [InlineData("    role: inbound", "    role: relay", "role: |relay", "listeners.inbound.role", "'relay' is not one of inbound, outbound, submission")]
    [InlineData("    role: inbound\n", "", "address: 127.0.0.1", "listeners.inbound.role", "is required")]
    [InlineData("    address: 127.0.0.1\n    port: 2525", "    address: localhost\n    port: 2525", "address: |localhost", "listeners.inbound.address", "'localhost' is not an IP address")]
    [InlineData("    accepted_domains: [example.test]", "", "role: inbound", "listeners.inbound.accepted_domains", "an inbound listener needs at least one accepted domain")]
    [InlineData("    accepted_domains: [example.test]", "    accepted_domains: [exa_mple.test]", "accepted_domains: |[exa_mple", "listeners.inbound.accepted_domains", "'exa_mple.test' is not a domain name")]
    [InlineData("    accepted_domains: [example.test]", "    accepted_domains: {example.test: yes}", "accepted_domains: |{", "listeners.inbound.accepted_domains", "expected a list")]
    [InlineData("    accepted_domains: [example.test]", "    accepted_domains: [example.test]\n    relay_networks: [10.0.0.0/8]",
        "relay_networks: |[10.0.0.0/8]", "listeners.inbound.relay_networks", "an inbound listener never relays")]
    [InlineData("[127.0.0.0/8]", "[127.0.0.0/33]", "relay_networks: |[127.0.0.0/33]", "listeners.outbound.relay_networks", "'127.0.0.0/33' is not an address or CIDR network")]
    [InlineData("[127.0.0.0/8]", "[127.0.0.0/8, intranet]", "relay_networks: |[127", "listeners.outbound.relay_networks", "'intranet' is not an address or CIDR network")]
    // AUTH: never inbound, known mechanisms only, inside TLS only.
    [InlineData("    accepted_domains: [example.test]", "    accepted_domains: [example.test]\n    auth: {mechanisms: [plain]}",
        "auth: |{", "listeners.inbound.auth", "an inbound listener never offers AUTH")]
    [InlineData("    relay_networks: [127.0.0.0/8]", "    relay_networks: [127.0.0.0/8]\n    auth: {mechanisms: [cram-md5]}",
        "mechanisms: |[cram", "listeners.outbound.auth.mechanisms", "'cram-md5' is not one of plain, login, scram-sha-256")]
    [InlineData("    relay_networks: [127.0.0.0/8]", "    relay_networks: [127.0.0.0/8]\n    auth: {max_failure: 3}",
        "max_failure", "listeners.outbound.auth.max_failure", "unknown key")]
    [InlineData("    relay_networks: [127.0.0.0/8]", "    relay_networks: [127.0.0.0/8]\n    starttls: false\n    auth: {}",
        "auth: |{}", "listeners.outbound.auth", "needs starttls: true")]
    [InlineData("    port: 2525", "    port: 2525\n    ip_block: [192.0.2.0/24, 300.1.1.1]", "ip_block: |[", "listeners.inbound.ip_block", "'300.1.1.1' is not an address or CIDR network")]
    [InlineData("    port: 2587", "    port: 2525", "port: |2525\n    relay", "listeners.outbound.port", "127.0.0.1:2525 is already used by listener 'inbound'")]
    [InlineData("    port: 2525", "    port: 2525\n    starttls: false\n    require_tls: true", "require_tls: |true", "listeners.inbound.require_tls", "needs starttls: true")]
    [InlineData("    port: 2525", "    port: 2525\n    starttls: maybe", "starttls: |maybe", "listeners.inbound.starttls", "'maybe' is not true or false")]
    [InlineData("    port: 2525", "    port: 2525\n    proxy_protocol:\n      trusted: []", "trusted: |[]", "listeners.inbound.proxy_protocol.trusted", "list the load balancers' addresses")]
    [InlineData("    port: 2525", "    port: 2525\n    proxy_protocol:\n      trusted: [10.0.0.0/8, lb]", "trusted: |[", "listeners.inbound.proxy_protocol.trusted", "'lb' is not an address or CIDR network")]
    [InlineData("    port: 2525", "    port: 2525\n    proxy_protocol:\n      trusted: [10.0.0.1]\n      timeout: 5", "timeout: |5", "listeners.inbound.proxy_protocol.timeout", "'5' is not a duration")]
    [InlineData("    port: 2525", "    port: 2525\n    proxy_protocol:\n      trusted: [10.0.0.1]\n      version: 2", "|version: 2", "listeners.inbound.proxy_protocol.version", "unknown key")]
    [InlineData("  inbound:\n    role: inbound", "  inbound: inbound\n  x:\n    role: inbound", "inbound: |inbound", "listeners.inbound", "expected a section of keys")]
    // Limits: sizes and durations with their units.
    [InlineData("max_message_size: 35MiB", "max_message_size: 35XB", "max_message_size: |35XB", "listeners.inbound.limits.max_message_size", "'35XB' is not a size")]
    [InlineData("max_message_size: 35MiB", "max_message_size: 100", "max_message_size: |100", "listeners.inbound.limits.max_message_size", "'100' is not a size from 1024")]
    [InlineData("max_message_size: 35MiB", "max_message_size: 3GiB", "max_message_size: |3GiB", "listeners.inbound.limits.max_message_size", "'3GiB' is not a size")]
    [InlineData("command_timeout: 5m", "command_timeout: 5 minutes", "command_timeout: |5 minutes", "listeners.inbound.limits.command_timeout", "'5 minutes' is not a duration")]
    [InlineData("command_timeout: 5m", "command_timeout: 300", "command_timeout: |300", "listeners.inbound.limits.command_timeout", "'300' is not a duration")]
    [InlineData("command_timeout: 5m", "command_timeout: 2h", "command_timeout: |2h", "listeners.inbound.limits.command_timeout", "'2h' is not a duration")]
    [InlineData("command_timeout: 5m", "greeting_delay: 2m", "greeting_delay: |2m", "listeners.inbound.limits.greeting_delay", "'2m' is not a duration from 0ms to 1m")]
    [InlineData("    accepted_domains: [example.test]", "    accepted_domains: [example.test]\n    sender_filter: {block: [\"bad..test\"]}", "block: |[", "listeners.inbound.sender_filter.block", "'bad..test' is not an address, a domain")]
    [InlineData("    relay_networks: [127.0.0.0/8]", "    relay_networks: [127.0.0.0/8]\n    sender_filter: {refuse_own_domains: true}", "refuse_own_domains: |true", "listeners.outbound.sender_filter.refuse_own_domains", "applies to inbound listeners only")]
    [InlineData("    accepted_domains: [example.test]", "    accepted_domains: [example.test]\n    rate_limits: {messages_per_minute: -1}", "messages_per_minute: |-1", "listeners.inbound.rate_limits.messages_per_minute", "is not a whole number from 0")]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\nrate_limit_store: redis", "rate_limit_store: |redis", "rate_limit_store", "'redis' is not one of memory, sqlite")]
    [InlineData("command_timeout: 5m", "max_recipients: 0", "max_recipients: |0", "listeners.inbound.limits.max_recipients", "'0' is not a whole number from 1 to 100000")]
    [InlineData("command_timeout: 5m", "max_header_size: 36MiB", "max_header_size: |36MiB", "listeners.inbound.limits.max_header_size", "must not be larger than max_message_size (36700160 bytes)")]
    [InlineData("command_timeout: 5m", "max_header_size: 0", "max_header_size: |0", "listeners.inbound.limits.max_header_size", "'0' is not a size from 1024")]
    [InlineData("command_timeout: 5m", "max_received_headers: 0", "max_received_headers: |0", "listeners.inbound.limits.max_received_headers", "'0' is not a whole number from 1 to 1000")]
    [InlineData("command_timeout: 5m", "max_received_headers: 1001", "max_received_headers: |1001", "listeners.inbound.limits.max_received_headers", "'1001' is not a whole number from 1 to 1000")]
    [InlineData("command_timeout: 5m", "max_received_headers: many", "max_received_headers: |many", "listeners.inbound.limits.max_received_headers", "'many' is not a whole number")]
    [InlineData("command_timeout: 5m", "max_received_headers: 2.5", "max_received_headers: |2.5", "listeners.inbound.limits.max_received_headers", "'2.5' is not a whole number")]
    // Accepted domains and recipient validation.
    [InlineData("    accepted_domains: [example.test]", "    accepted_domains: [{domain: example.test, type: hosted}]", "type: |hosted", "listeners.inbound.accepted_domains[0].type", "'hosted' is not one of authoritative, internal_relay")]
    [InlineData("    accepted_domains: [example.test]", "    accepted_domains: [{domain: ex_ample.test}]", "domain: |ex_ample", "listeners.inbound.accepted_domains[0].domain", "'ex_ample.test' is not a domain name")]
    [InlineData("    accepted_domains: [example.test]", "    accepted_domains: [example.test, {domain: EXAMPLE.test, subdomains: true}]", "test, |{domain", "listeners.inbound.accepted_domains[1]", "'EXAMPLE.test' is listed twice")]
    [InlineData("    port: 2525", "    port: 2525\n    recipients: {file: missing.txt}", "file: |missing", "listeners.inbound.recipients.file", "does not exist")]
    [InlineData("    port: 2525", "    port: 2525\n    recipients: {callout: {route: local}}", "route: |local}", "listeners.inbound.recipients.callout.route", "route 'local' has no smart hosts to ask")]
    [InlineData("    port: 2525", "    port: 2525\n    recipients: {callout: {route: inside}}", "route: |inside", "listeners.inbound.recipients.callout.route", "there is no route named 'inside'")]
    [InlineData("    port: 2525", "    port: 2525\n    recipients: {tarpit_after: 3}", "recipients: |{", "listeners.inbound.recipients", "needs at least one source")]
    [InlineData("    port: 2525", "    port: 2525\n    recipients: {callout: {route: internal}, tarpit_delay: 2 s}", "tarpit_delay: |2 s", "listeners.inbound.recipients.tarpit_delay", "'2 s' is not a duration")]
    [InlineData("    relay_networks: [127.0.0.0/8]", "    relay_networks: [127.0.0.0/8]\n    recipients: {callout: {route: internal}}", "recipients: |{callout", "listeners.outbound.recipients", "recipient validation is for inbound listeners")]
    [InlineData("    port: 2525", "    port: 2525\n    recipients: {callout: {route: internal, max_concurrent: 0}}", "max_concurrent: |0", "listeners.inbound.recipients.callout.max_concurrent", "'0' is not a whole number from 1 to 1000")]
    [InlineData("    port: 2525", "    port: 2525\n    recipients: {callout: {route: internal, slot_wait: 1h}}", "slot_wait: |1h", "listeners.inbound.recipients.callout.slot_wait", "'1h' is not a duration from 0ms to 5m")]
    [InlineData("command_timeout: 5m", "min_data_rate: -1", "min_data_rate: |-1", "listeners.inbound.limits.min_data_rate", "'-1' is not a whole number from 0 to 1000000000")]
    [InlineData("command_timeout: 5m", "max_session_duration: 10ms", "max_session_duration: |10ms", "listeners.inbound.limits.max_session_duration", "'10ms' is not a duration from 100ms")]
    [InlineData("command_timeout: 5m", "max_junk_commands: 0", "max_junk_commands: |0", "listeners.inbound.limits.max_junk_commands", "'0' is not a whole number from 1 to 1000000")]
    [InlineData("    port: 2525", "    port: 2525\n    recipients: {ldap: {url: http://dc1, base_dn: dc=x}}", "url: |http", "listeners.inbound.recipients.ldap.url", "'http://dc1' is not ldap://host[:port] or ldaps://host[:port]")]
    [InlineData("    port: 2525", "    port: 2525\n    recipients: {ldap: {url: ldap://dc1}}", "ldap: |{url", "listeners.inbound.recipients.ldap.base_dn", "is required")]
    [InlineData("    port: 2525", "    port: 2525\n    recipients: {ldap: {url: ldap://dc1, base_dn: dc=x, bind_dn: cn=gw}}", "bind_dn: |cn=gw", "listeners.inbound.recipients.ldap.bind_dn", "needs password_file")]
    [InlineData("    port: 2525", "    port: 2525\n    recipients: {ldap: {url: ldap://dc1, base_dn: dc=x, bind_dn: cn=gw, password_file: none.secret}}", "password_file: |none", "listeners.inbound.recipients.ldap.password_file", "cannot read")]
    [InlineData("    port: 2525", "    port: 2525\n    recipients: {ldap: {url: ldap://dc1, base_dn: dc=x, filter: \"(mail=bob)\"}}", "filter: |\"(mail", "listeners.inbound.recipients.ldap.filter", "with %s where the address goes")]
    // Content filters and scanners.
    [InlineData("    port: 2525", "    port: 2525\n    attachments: {block: [exectuable]}", "block: |[", "listeners.inbound.attachments.block", "'exectuable' is not a category")]
    [InlineData("    port: 2525", "    port: 2525\n    attachments: {action: delete}", "action: |delete", "listeners.inbound.attachments.action", "'delete' is not one of reject, strip, quarantine")]
    [InlineData("    port: 2525", "    port: 2525\n    attachments: {malformed: strip}", "malformed: |strip", "listeners.inbound.attachments.malformed", "'strip' is not one of reject, quarantine")]
    [InlineData("    port: 2525", "    port: 2525\n    attachments: {unreadable_archives: pass}", "unreadable_archives: |pass", "listeners.inbound.attachments.unreadable_archives", "'pass' is not one of block, allow")]
    [InlineData("    port: 2525", "    port: 2525\n    attachments: {archives: {max_depth: 40}}", "max_depth: |40", "listeners.inbound.attachments.archives.max_depth", "'40' is not a whole number from 0 to 16")]
    [InlineData("    port: 2525", "    port: 2525\n    antivirus: {scanners: [clamav]}", "scanners: |[clamav]", "listeners.inbound.antivirus.scanners", "no scanner 'clamav' under the top-level scanners: (none defined)")]
    [InlineData("    port: 2525", "    port: 2525\n    antivirus: {scanners: []}", "scanners: |[]", "listeners.inbound.antivirus.scanners", "name at least one scanner")]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\nscanners:\n  av: {type: sophos, address: x}", "type: |sophos", "scanners.av.type", "'sophos' is not one of clamd, icap")]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\nscanners:\n  av: {type: icap, address: \"http://av:1344/x\"}", "address: |\"http", "scanners.av.address", "icap://")]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\nscanners:\n  av: {type: clamd, address: \"127.0.0.1:3310\", timeout: forever}", "timeout: |forever", "scanners.av.timeout", "'forever' is not a duration")]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\nquarantine: {rescan_check: 0s}", "rescan_check: |0s", "quarantine.rescan_check", "'0s' is not a duration from 100ms")]
    // Routes and routing.
    [InlineData("    transport: drop\n    path: drop", "    path: drop", "    |path: drop", "routes.local.transport", "is required")]
    [InlineData("    transport: drop", "    transport: lmtp", "transport: |lmtp", "routes.local.transport", "'lmtp' is not one of drop, smtp, mx")]
    [InlineData("    hosts: [\"10.0.0.5:2626\"]", "    hosts: []", "hosts: |[]", "routes.internal.hosts", "an smtp route needs at least one smart host")]
    [InlineData("    hosts: [\"10.0.0.5:2626\"]", "    hosts: [\"10.0.0.5:99999\"]", "|\"10.0.0.5:99999\"", "routes.internal.hosts[0]", "is not host, host:port or [address]:port")]
    [InlineData("    hosts: [\"10.0.0.5:2626\"]", "    hosts: [{host: 10.0.0.5, priority: -1}]", "priority: |-1", "routes.internal.hosts[0].priority", "is not a whole number from 0 to 65535")]
    [InlineData("    hosts: [\"10.0.0.5:2626\"]", "    hosts: [\"10.0.0.5\"]\n    tls: strict", "tls: |strict", "routes.internal.tls", "'strict' is not one of none, opportunistic, required, verified")]
    [InlineData("    hosts: [\"10.0.0.5:2626\"]", "    hosts: [\"10.0.0.5\"]\n    tls_fingerprints: [abc]", "tls_fingerprints: |[", "routes.internal.tls_fingerprints", "'abc' is not a SHA-256 fingerprint")]
    [InlineData("    hosts: [\"10.0.0.5:2626\"]", "    hosts: [\"10.0.0.5\"]\n    tls_ca: missing.crt", "tls_ca: |missing", "routes.internal.tls_ca", "does not exist")]
    [InlineData("    route: local", "    route: elsewhere", "route: |elsewhere", "routing[0].route", "there is no route named 'elsewhere' (routes: local, internal)")]
    [InlineData("  - domains: [example.test]", "  - domains: [\"*.example.test\"]", "- domains: |[", "routing[0].domains", "'*.example.test' is not a domain name, \".domain\" or \"*\"")]
    [InlineData("    route: local", "    route: local\n    listener: inbuond", "listener: |inbuond", "routing[0].listener", "there is no listener named 'inbuond'")]
    [InlineData("  - domains: [example.test]\n    route: local", "  - route: local", "- |route", "routing[0].domains", "is required")]
    [InlineData("routing:\n  - domains: [example.test]\n    route: local", "routing:\n  domains: [example.test]\n  route: local", "|domains: [example.test]\n  route", "routing", "expected a list of sections")]
    // Top level.
    [InlineData("hostname: mx.example.test", "hostname: mx_example..test", "hostname: |mx_example", "hostname", "'mx_example..test' is not a host name")]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\nlog_level: loud", "log_level: |loud", "log_level", "'loud' is not one of trace, debug, information, warning, error")]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\nlog_format: xml", "log_format: |xml", "log_format", "'xml' is not one of text, json")]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\nqueue:\n  retry_initial: soon", "retry_initial: |soon", "queue.retry_initial", "'soon' is not a duration from 10ms to 1d")]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\nqueue:\n  retry_initial: 1h\n  retry_max: 5m", "retry_max: |5m", "queue.retry_max", "must not be shorter than retry_initial")]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\nqueue:\n  max_connections: 0", "max_connections: |0", "queue.max_connections", "'0' is not a whole number from 1 to 10000")]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\nqueue:\n  min_free_disk: lots", "min_free_disk: |lots", "queue.min_free_disk", "'lots' is not a size")]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\ndns:\n  server: resolver.example.test", "server: |resolver", "dns.server", "is not an IP address")]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\npostmaster: pm@elsewhere.test", "postmaster: |pm@", "postmaster", "no routing rule takes notices to pm@elsewhere.test")]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\npostmaster: nobody", "postmaster: |nobody", "postmaster", "'nobody' is not a mail address")]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\ndouble_bounce: bounce", "double_bounce: |bounce", "double_bounce", "'bounce' is not one of discard, postmaster")]
    [InlineData("hostname: mx.example.test", "hostname: [mx.example.test]", "hostname: |[", "hostname", "expected a single value")]
    public void A_mistake_names_the_file_position_key_and_problem(string find, string replace, string at, string key, string problem)
    {
        Assert.Contains(find, Valid, StringComparison.Ordinal);
        ConfigFile.AssertError(temp, Valid.Replace(find, replace, StringComparison.Ordinal), at, key, problem);
    }

    [Theory]
    [InlineData("tls:\n  certificate: missing.crt\n  key: missing.key", "certificate: |missing.crt", "tls.certificate", "missing.crt")]
    [InlineData("listeners:\n  inbound:\n    tls:\n      certificate: missing.crt\n      key: missing.key",
        "certificate: |missing.crt", "listeners.inbound.tls.certificate", "missing.crt")]
    [InlineData("tls:\n  certificate: present.crt\n  key: missing.key", "key: |missing.key", "tls.key", "missing.key")]
    public void A_missing_tls_file_is_named_with_its_full_path(string tlsYaml, string at, string key, string file)
    {
        File.WriteAllText(temp.File("present.crt"), "not checked until start");
        // Merge the tls lines into the valid file: a top-level section, or the inbound listener's.
        var yaml = tlsYaml.StartsWith("listeners:", StringComparison.Ordinal)
            ? Valid.Replace("  inbound:\n", tlsYaml["listeners:\n".Length..] + "\n", StringComparison.Ordinal)
            : Valid + "\n" + tlsYaml;
        var path = Write(yaml);

        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path, NoEnvironment));

        Assert.StartsWith($"{path}:{ConfigFile.Position(yaml, at)}: {key}: file '{temp.File(file)}' does not exist", error.Message);
    }

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

    [Theory]
    [InlineData("1", 1)]
    [InlineData("50", 50)]
    [InlineData("100", 100)]
    [InlineData("1000", 1000)]
    public void The_received_field_limit_is_read(string value, int expected)
    {
        var options = Load(Valid.Replace("command_timeout: 5m", $"command_timeout: 5m\n      max_received_headers: {value}", StringComparison.Ordinal));

        Assert.Equal(expected, options.Listeners.Single(l => l.Name == "inbound").Limits.MaxReceivedHeaders);
        Assert.Equal(50, options.Listeners.Single(l => l.Name == "outbound").Limits.MaxReceivedHeaders);
    }

    [Theory]
    [InlineData("", 256 * 1024)]
    [InlineData("\n      max_header_size: 64KiB", 64 * 1024)]
    [InlineData("\n      max_header_size: 35MiB", 35 * 1024 * 1024)]
    public void The_header_size_limit_is_read(string line, long expected)
    {
        var options = Load(Valid.Replace("command_timeout: 5m", "command_timeout: 5m" + line, StringComparison.Ordinal));

        Assert.Equal(expected, options.Listeners.Single(l => l.Name == "inbound").Limits.MaxHeaderSize);
        Assert.Equal(256 * 1024, options.Listeners.Single(l => l.Name == "outbound").Limits.MaxHeaderSize);
    }

    [Fact]
    public void Unset_the_header_size_limit_follows_a_smaller_message_size()
    {
        var options = Load(Valid.Replace("max_message_size: 35MiB", "max_message_size: 100KiB", StringComparison.Ordinal));

        Assert.Equal(100 * 1024, options.Listeners.Single(l => l.Name == "inbound").Limits.MaxHeaderSize);
    }

    [Fact]
    public void Listeners_calling_out_to_one_route_must_agree_on_its_cap()
    {
        const string yaml = """
            hostname: mx.example.test
            listeners:
              inbound:
                role: inbound
                port: 2525
                accepted_domains: [example.test]
                recipients: {callout: {route: internal, max_concurrent: 5}}
              second:
                role: inbound
                port: 2526
                accepted_domains: [example.test]
                recipients: {callout: {route: internal, max_concurrent: 8}}
            routes:
              internal: {transport: smtp, hosts: ["10.0.0.5:2626"]}
            routing:
              - domains: [example.test]
                route: internal
            """;
        var path = Write(yaml);

        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path, NoEnvironment));

        Assert.Contains("listeners.second.recipients.callout.max_concurrent: route 'internal' already has max_concurrent 5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Session_limits_and_the_callout_cap_are_read()
    {
        var yaml = Valid.Replace("      command_timeout: 5m", "      command_timeout: 5m\n      max_session_duration: 20m\n      max_data_duration: 4m\n      min_data_rate: 1000\n      min_data_rate_grace: 2s\n      max_junk_commands: 30")
            .Replace("    port: 2525", "    port: 2525\n    recipients: {callout: {route: internal, max_concurrent: 9, slot_wait: 3s}}");
        var inbound = Load(yaml).Listeners.Single(l => l.Name == "inbound");
        Assert.Equal(TimeSpan.FromMinutes(20), inbound.Limits.MaxSessionDuration);
        Assert.Equal(TimeSpan.FromMinutes(4), inbound.Limits.MaxDataDuration);
        Assert.Equal(1000, inbound.Limits.MinDataRate);
        Assert.Equal(TimeSpan.FromSeconds(2), inbound.Limits.MinDataRateGrace);
        Assert.Equal(30, inbound.Limits.MaxJunkCommands);
        Assert.Equal(9, inbound.Recipients!.Callout!.MaxConcurrent);
        Assert.Equal(TimeSpan.FromSeconds(3), inbound.Recipients.Callout.SlotWait);
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
    public void Log_format_is_text_unless_json_is_asked_for()
    {
        Assert.Equal(LogFormat.Text, Load(Valid).LogFormat);
        Assert.Equal(LogFormat.Json, Load("log_format: JSON\n" + Valid).LogFormat);
        Assert.Equal(LogFormat.Json, Load(Valid, ("RAMPART__LOG_FORMAT", "json")).LogFormat);
    }

    [Fact]
    public void An_environment_variable_overrides_a_scalar()
    {
        var options = Load(Valid, ("RAMPART__LISTENERS__INBOUND__PORT", "2600"));

        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 2600), options.Listeners.Single(l => l.Name == "inbound").EndPoint);
    }

    [Fact]
    public void Accepted_domains_take_plain_names_and_sections_and_recipients_take_sources()
    {
        File.WriteAllText(temp.File("recipients.txt"), "bob@example.test\n");
        File.WriteAllText(temp.File("ldap.secret"), "s3cret\n");
        var yaml = Valid.Replace("    accepted_domains: [example.test]", """
                accepted_domains:
                  - example.test
                  - {domain: corp.test, subdomains: true}
                  - {domain: partner.test, type: internal_relay}
                recipients:
                  file: recipients.txt
                  ldap: {url: "ldaps://dc1.example.test:3269", base_dn: "dc=example,dc=test", bind_dn: "cn=gw,dc=example,dc=test", password_file: ldap.secret, cache_ttl: 5m}
                  callout: {route: internal, positive_ttl: 2h, negative_ttl: 30s, timeout: 5s}
                  tarpit_after: 5
                  tarpit_delay: 500ms
            """.TrimEnd(), StringComparison.Ordinal);
        var inbound = Load(yaml).Listeners.Single(l => l.Name == "inbound");

        Assert.Equal(new Rampart.Policy.Relay.AcceptedDomain[]
        {
            new("example.test"),
            new("corp.test", Subdomains: true),
            new("partner.test", Rampart.Policy.Relay.DomainType.InternalRelay),
        }, inbound.AcceptedDomains);
        var r = inbound.Recipients!;
        Assert.Equal(temp.File("recipients.txt"), r.File);
        Assert.Equal(new CalloutOptions { Route = "internal", PositiveTtl = TimeSpan.FromHours(2), NegativeTtl = TimeSpan.FromSeconds(30), Timeout = TimeSpan.FromSeconds(5) }, r.Callout);
        Assert.Equal((5, TimeSpan.FromMilliseconds(500)), (r.TarpitAfter, r.TarpitDelay));
        var ldap = r.Ldap!;
        Assert.Equal(("ldaps://dc1.example.test:3269/", "cn=gw,dc=example,dc=test", "s3cret"), (ldap.Settings.Url.ToString(), ldap.Settings.BindDn, ldap.Settings.Password));
        Assert.Equal(Rampart.Policy.Recipients.LdapSettings.DefaultFilter, ldap.Settings.Filter);
        Assert.Equal((TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(1)), (ldap.CacheTtl, ldap.NegativeCacheTtl));
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

    [Theory]
    [InlineData("35MiB", 36700160)]
    [InlineData("10MB", 10000000)]
    [InlineData("512KiB", 524288)]
    [InlineData("4096", 4096)]
    [InlineData("1GiB", 1073741824)]
    public void Sizes_take_decimal_and_binary_units(string text, long bytes)
    {
        var options = Load(Valid.Replace("35MiB", text, StringComparison.Ordinal));

        Assert.Equal(bytes, options.Listeners.Single(l => l.Name == "inbound").Limits.MaxMessageSize);
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("30s", 30_000)]
    [InlineData("5m", 300_000)]
    [InlineData("1h", 3_600_000)]
    public void Durations_take_a_unit(string text, int milliseconds)
    {
        var options = Load(Valid.Replace("command_timeout: 5m", $"command_timeout: {text}", StringComparison.Ordinal));

        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), options.Listeners.Single(l => l.Name == "inbound").Limits.CommandTimeout);
    }

    [Fact]
    public void Relative_paths_are_relative_to_the_config_file()
    {
        var options = Load(Valid + "\ndata_dir: spool\n");

        Assert.Equal(Path.Combine(temp.Path, "spool"), options.DataDir);
    }

    [Fact]
    public void The_example_configuration_loads()
    {
        var path = Path.Combine(RepositoryRoot(), "examples", "gateway.yaml");

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
    }

    [Fact]
    public void Smart_hosts_take_ports_priorities_and_addresses_and_tls_settings()
    {
        var options = Load(Valid.Replace("    hosts: [\"10.0.0.5:2626\"]",
            "    hosts: [\"mail1.example.test\", \"[2001:db8::5]:2525\", {host: mail2.example.test, port: 587, priority: 20}]\n"
            + "    tls: verified\n"
            + "    tls_fingerprints: [\"AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89\"]\n"
            + "    max_connections: 5"));

        var route = options.Routes.Single(r => r.Name == "internal");
        Assert.Equal([new("mail1.example.test", 25, 0), new("2001:db8::5", 2525, 0), new Delivery.Smtp.SmartHost("mail2.example.test", 587, 20)], route.Hosts);
        Assert.Equal(Delivery.Smtp.TlsPolicy.Verified, route.Tls);
        Assert.Single(route.TlsFingerprints);
        Assert.Equal(5, route.MaxConnections);
    }

    [Fact]
    public void Routing_rules_may_be_narrowed_to_a_listener_or_a_direction()
    {
        var options = Load(Valid + """

              - domains: [".example.test", "*"]
                role: outbound
                route: internal
              - domains: ["*"]
                listener: inbound
                route: local
            """);

        Assert.Equal([".example.test", "*"], options.Routing[1].Domains);
        Assert.Equal(("internal", null, ListenerRole.Outbound), (options.Routing[1].Route, options.Routing[1].Listener, options.Routing[1].Role));
        Assert.Equal("inbound", options.Routing[2].Listener);
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
