using System.Security.Cryptography;
using Rampart.Configuration;
using Rampart.Policy.DkimSigning;

namespace Rampart.Tests.Configuration.Sections;

/// <summary>dkim_signing: domains, selectors and their key files, judged when the configuration is read; and header_hygiene.</summary>
public sealed class DkimSigningSectionTests : ConfigTest
{
    private string KeyFile(string name, string pem, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        var path = temp.File(name);
        File.WriteAllText(path, pem);
        File.SetUnixFileMode(path, mode);
        return path;
    }

    private string Rsa(int bits, string name) { using var rsa = RSA.Create(bits); return KeyFile(name, rsa.ExportPkcs8PrivateKeyPem()); }

    private static string Section(params string[] selectors) =>
        "\ndkim_signing:\n  domains:\n    Example.TEST:\n      selectors:\n" + string.Concat(selectors.Select(s => $"        {s}\n"));

    [Fact]
    public void Without_the_section_nothing_is_signed_and_inbound_verdict_fields_are_removed()
    {
        var options = Load(Valid);

        Assert.Null(options.DkimSigning);
        Assert.Equal(["X-Spam-Flag", "X-Spam-Status", "X-Rampart-*"], options.HeaderHygiene.InboundRemove);
        Assert.False(options.HeaderHygiene.AnyOutbound);
        Assert.DoesNotContain("dkim_signing", global::Rampart.Gateway.ListenerFilters.NamesFor(options.Listeners[1], null, options.DkimSigning, options.HeaderHygiene));
    }

    [Fact]
    public void Keys_selectors_listeners_and_expiry_are_read_and_signing_is_the_last_check_of_outbound_only()
    {
        var rsa = Rsa(2048, "rsa.key");
        var ed = KeyFile("ed.key", DkimKeyGenerator.Ed25519().PrivatePem);
        var options = Load(Valid + Section($"rsa: {{key: {rsa}}}", $"ed: {{key: {ed}, sign: false}}") + "  expire_after: 7d\n");

        var domain = options.DkimSigning!.Domains["example.test"];
        Assert.Equal([("rsa", MimeKit.Cryptography.DkimSignatureAlgorithm.RsaSha256, true), ("ed", MimeKit.Cryptography.DkimSignatureAlgorithm.Ed25519Sha256, false)],
            domain.Keys.Select(k => (k.Selector, k.Algorithm, k.Signs)));
        Assert.Equal(TimeSpan.FromDays(7), options.DkimSigning.ExpireAfter);
        Assert.Empty(options.Warnings);
        var outbound = global::Rampart.Gateway.ListenerFilters.NamesFor(options.Listeners[1], null, options.DkimSigning, options.HeaderHygiene).ToList();
        Assert.Equal("dkim_signing", outbound[^1]);
        Assert.DoesNotContain("dkim_signing", global::Rampart.Gateway.ListenerFilters.NamesFor(options.Listeners[0], null, options.DkimSigning, options.HeaderHygiene));
        Assert.Contains("header_hygiene", global::Rampart.Gateway.ListenerFilters.NamesFor(options.Listeners[0], null, options.DkimSigning, options.HeaderHygiene));
    }

    [Fact]
    public void A_1024_bit_key_is_taken_with_a_warning_naming_its_key()
    {
        var options = Load(Valid + Section($"old: {{key: {Rsa(1024, "old.key")}}}"));

        var warning = Assert.Single(options.Warnings);
        Assert.Contains("dkim_signing.domains.Example.TEST.selectors.old.key", warning, StringComparison.Ordinal);
        Assert.Contains("2048 are advised", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_keys_are_errors_naming_file_line_and_key()
    {
        void Fails(string selectorLine, string problem)
        {
            var error = Assert.Throws<ConfigException>(() => Load(Valid + Section(selectorLine)));
            Assert.Contains(problem, error.Message, StringComparison.Ordinal);
            // The file, the line of the selector (or of its selectors: list), and the key.
            var line = Valid.Split('\n').Length + 5;
            Assert.Matches($@"rampart\.yaml:({line}|{line - 1}):\d+: dkim_signing\.domains\.Example\.TEST\.selectors", error.Message);
        }
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Fails($"s: {{key: {temp.File("missing.key")}}}", "does not exist");
        Fails($"s: {{key: {Rsa(512, "short.key")}}}", "512-bit RSA key");
        Fails($"s: {{key: {KeyFile("ec.key", ec.ExportPkcs8PrivateKeyPem())}}}", "RSA (rsa-sha256) or Ed25519");
        Fails($"s: {{key: {KeyFile("text.key", "not a key\n")}}}", "no PEM private key");
        Fails($"s: {{key: {KeyFile("open.key", DkimKeyGenerator.Ed25519().PrivatePem, UnixFileMode.UserRead | UnixFileMode.OtherRead)}}}", "read or written by others");
        Fails($"s: {{key: {KeyFile("gw.key", DkimKeyGenerator.Ed25519().PrivatePem, UnixFileMode.UserRead | UnixFileMode.GroupWrite)}}}", "read or written by others");
        Fails($"s: {{key: {Rsa(2048, "a.key")}, sign: false}}", "no selector signs");
        Fails($"s: {{key: {Rsa(2048, "b.key")}, colour: blue}}", "unknown key");
    }

    [Fact]
    public void Two_signing_keys_of_one_algorithm_three_selectors_and_an_unknown_listener_are_refused()
    {
        var a = Rsa(2048, "a.key");
        var b = Rsa(2048, "b.key");
        var c = KeyFile("c.key", DkimKeyGenerator.Ed25519().PrivatePem);
        Assert.Contains("both selectors sign with the same algorithm",
            Assert.Throws<ConfigException>(() => Load(Valid + Section($"a: {{key: {a}}}", $"b: {{key: {b}}}"))).Message, StringComparison.Ordinal);
        Assert.Contains("at most 2 selectors",
            Assert.Throws<ConfigException>(() => Load(Valid + Section($"a: {{key: {a}}}", $"b: {{key: {b}, sign: false}}", $"c: {{key: {c}, sign: false}}"))).Message, StringComparison.Ordinal);
        Assert.Contains("no listener is named 'submission'",
            Assert.Throws<ConfigException>(() => Load(Valid + Section($"a: {{key: {a}}}") + "  listeners: [submission]\n")).Message, StringComparison.Ordinal);
        // A listener named gets it; an inbound one is refused (internet mail with our From would pass DMARC), at its key.
        var named = Load(Valid + Section($"a: {{key: {a}}}") + "  listeners: [outbound]\n");
        Assert.Contains("dkim_signing", global::Rampart.Gateway.ListenerFilters.NamesFor(named.Listeners[1], null, named.DkimSigning, named.HeaderHygiene));
        Assert.DoesNotContain("dkim_signing", global::Rampart.Gateway.ListenerFilters.NamesFor(named.Listeners[0], null, named.DkimSigning, named.HeaderHygiene));
        var inbound = Assert.Throws<ConfigException>(() => Load(Valid + Section($"a: {{key: {a}}}") + "  listeners: [outbound, inbound]\n")).Message;
        Assert.Matches(@"rampart\.yaml:\d+:\d+: dkim_signing\.listeners", inbound);
        Assert.Contains("'inbound' is an inbound listener: mail from the internet is never signed", inbound, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Received")]
    [InlineData("from")]
    [InlineData("DKIM-SIGNATURE")]
    [InlineData("Authentication-Results")]
    [InlineData("Auth*")] // a prefix that takes them in
    [InlineData("Rec*")]
    public void Header_hygiene_refuses_to_remove_trace_author_signature_or_results_fields_inbound(string name)
    {
        var error = Assert.Throws<ConfigException>(() => Load(Valid + $"\nheader_hygiene:\n  inbound: {{remove: [X-Spam-Flag, \"{name}\"]}}\n")).Message;
        Assert.Matches(@"rampart\.yaml:\d+:\d+: header_hygiene\.inbound\.remove", error);
        Assert.Contains($"'{name}' would remove", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Header_hygiene_keys_are_read_and_a_bad_field_name_is_named()
    {
        var options = Load(Valid + "\nheader_hygiene:\n  inbound: {remove: [X-Spam-Flag, \"X-Corp-*\"]}\n  outbound: {add_message_id: true, hide_client_address: true}\n");

        Assert.Equal(["X-Spam-Flag", "X-Corp-*"], options.HeaderHygiene.InboundRemove);
        Assert.True(options.HeaderHygiene.AddMessageId && options.HeaderHygiene.HideClientAddress);
        Assert.False(options.HeaderHygiene.AddDate || options.HeaderHygiene.RemoveInternalReceived);
        Assert.Contains("header_hygiene_outbound", global::Rampart.Gateway.ListenerFilters.NamesFor(options.Listeners[1], null, null, options.HeaderHygiene));
        Assert.Contains("header_hygiene.inbound.remove", Assert.Throws<ConfigException>(() =>
            Load(Valid + "\nheader_hygiene:\n  inbound: {remove: [\"X-Bad: yes\"]}\n")).Message, StringComparison.Ordinal);
        Assert.Contains("unknown key", Assert.Throws<ConfigException>(() =>
            Load(Valid + "\nheader_hygiene:\n  outbound: {add_msgid: true}\n")).Message, StringComparison.Ordinal);
    }
}
