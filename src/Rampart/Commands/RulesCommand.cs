using System.CommandLine;
using System.Net;
using Rampart.Commands.Admin;
using Rampart.Configuration;
using Rampart.Mail;
using Rampart.Policy;
using Rampart.Policy.Rules;

namespace Rampart.Commands;

/// <summary>
/// `rampart rules test MESSAGE.eml --listener L --from A --to B`: the configured transport rules run on a message file
/// as the gateway would run them, offline: nothing is sent, no DNS is asked, nothing is written. What the gateway's
/// earlier filters would have found (the spam level, SPF/DKIM/DMARC) is absent unless given (--scl, --spf...). Prints
/// each rule (matched or not and which condition or exception decided), the actions, the verdict, the recipients and
/// route, and the message's header after them (--show-message: the whole message); --json for scripts. Exit codes: 0 done, 2 bad arguments,
/// configuration or message file.
/// </summary>
public static class RulesCommand
{
    /// <summary>A documentation address (RFC 5737): a client_networks condition matches it only when written to.</summary>
    public const string DefaultClient = "192.0.2.1";

    public static Command Create()
    {
        var rules = new Command("rules", "Transport rules: try them on a message");
        rules.Subcommands.Add(Test());
        return rules;
    }

    private static Command Test()
    {
        var file = new Argument<FileInfo>("message") { Description = "The message file (.eml, RFC 5322) to run the rules on" };
        var listener = new Option<string?>("--listener") { Description = "The listener it arrives on (default: the first inbound one)" };
        var from = new Option<string>("--from") { Description = "Envelope sender (MAIL FROM); \"\" or \"<>\" for the null sender", Required = true };
        var to = new Option<string[]>("--to") { Description = "Envelope recipient (RCPT TO); repeat for several", Required = true, AllowMultipleArgumentsPerToken = true };
        var client = new Option<string>("--client") { Description = $"The client's IP address (default {DefaultClient})", DefaultValueFactory = _ => DefaultClient };
        var user = new Option<string?>("--authenticated") { Description = "The SMTP AUTH user the client logged in as (default: not authenticated)" };
        var scl = new Option<int?>("--scl") { Description = "The spam level (0-9) the spam verdict would have given (default: none)" };
        var auth = new[] { "spf", "dkim", "dmarc" }.Select(m => new Option<string?>($"--{m}") { Description = $"The {m.ToUpperInvariant()} result (pass, fail, ...; default: none recorded)" }).ToArray();
        var whole = new Option<bool>("--show-message") { Description = "Print the whole message after the rules, not only its header" };
        var command = new Command("test", "Run the configured transport rules on a message file, offline, and show which match and why")
        {
            file, listener, from, to, client, user, scl, whole, RampartCommandLine.ConfigOption, CliOutput.JsonOption,
        };
        foreach (var option in auth) command.Options.Add(option);
        command.SetAction(async (result, ct) =>
        {
            if (ConfigOutput.LoadOrReport(result.GetValue(RampartCommandLine.ConfigOption)) is not { } config) return 2;
            var name = result.GetValue(listener);
            var on = name is null ? config.Listeners.FirstOrDefault(l => l.Role == ListenerRole.Inbound) ?? config.Listeners[0]
                : config.Listeners.FirstOrDefault(l => l.Name == name);
            if (on is null) return ConfigOutput.Fail(2, $"there is no listener named '{name}' (listeners: {string.Join(", ", config.Listeners.Select(l => l.Name))})");
            if (!IpSyntax.TryParseAddress(result.GetValue(client)!, out var address)) return ConfigOutput.Fail(2, $"--client: '{result.GetValue(client)}' is not an IP address: {IpSyntax.Rule}");
            if (result.GetValue(scl) is { } level && level is < 0 or > 9) return ConfigOutput.Fail(2, "--scl: a spam level is 0 to 9");
            var message = result.GetValue(file)!;
            if (!message.Exists) return ConfigOutput.Fail(2, $"{message.FullName}: no such file");
            if (message.Length > on.Limits.MaxMessageSize) return ConfigOutput.Fail(2, $"{message.FullName}: {message.Length} bytes, more than listener {on.Name} accepts ({on.Limits.MaxMessageSize})");
            if (config.TransportRules is not { } rules) return ConfigOutput.Fail(2, $"{config.Source}: no transport_rules are configured");
            if (result.GetValue(from) is { } f && f != "<>" && Rampart.Policy.Rules.Actions.RecipientChanges.Problem(f) is { } fromProblem) return ConfigOutput.Fail(2, $"--from: {fromProblem}");
            if (result.GetValue(to)!.Select(t => (t, Problem: Rampart.Policy.Rules.Actions.RecipientChanges.Problem(t))).FirstOrDefault(p => p.Problem is not null) is { Problem: { } toProblem }) return ConfigOutput.Fail(2, $"--to: {toProblem}");

            var facts = new SessionFacts
            {
                SessionId = "rules-test", ListenerName = on.Name, Role = on.Role,
                RemoteEndPoint = new IPEndPoint(address, 0), LocalEndPoint = new IPEndPoint(IPAddress.Loopback, 25),
                AuthenticatedUser = result.GetValue(user),
            };
            facts.BeginTransaction();
            facts.Transaction.SpamLevel = result.GetValue(scl);
            foreach (var option in auth)
            {
                if (result.GetValue(option) is { } value) facts.Transaction.Record(new AuthResult(option.Name.TrimStart('-'), value.ToLowerInvariant()));
            }
            try
            {
                return await RunAsync(result, on, rules, facts, message, ct);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or FormatException or InvalidDataException)
            {
                // A message or argument the run cannot take is a bad input (exit 2), not a crash with a stack trace.
                return ConfigOutput.Fail(2, $"{message.FullName}: {e.Message}");
            }
        });
        return command;

        async Task<int> RunAsync(ParseResult result, ListenerOptions on, TransportRulesOptions rules, SessionFacts facts, FileInfo message, CancellationToken ct)
        {
            var sender = result.GetValue(from)! is "<>" ? "" : result.GetValue(from)!;
            var content = new MemoryMessageContent(Crlf(await File.ReadAllBytesAsync(message.FullName, ct)));
            await using var context = new MessageContext(facts, "rules-test", new Sender(sender),
                [.. result.GetValue(to)!.Select(t => new Recipient(t))], content) { MaxMessageSize = on.Limits.MaxMessageSize, MaxHeaderSize = on.Limits.MaxHeaderSize };
            // Every rule, not only this listener's: a rule for another listener shows why it does not match here.
            var ruleMessage = new RuleMessage(context, rules);
            var run = await RuleRunner.RunAsync(ruleMessage, ct);
            var report = RulesReport.Of(on.Name, run, context, ruleMessage.Problems, content.Bytes, result.GetValue(whole));
            if (result.GetValue(CliOutput.JsonOption)) CliOutput.WriteJson(report);
            else RulesReport.Write(report);
            return 0;
        }
    }

    /// <summary>A file written with bare LF line ends (an editor's, a mailbox export's) read as the CRLF the gateway stores.</summary>
    private static byte[] Crlf(byte[] bytes)
    {
        if (!bytes.AsSpan().Contains((byte)'\n')) return bytes;
        using var output = new MemoryStream(bytes.Length + bytes.Length / 40);
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == '\n' && (i == 0 || bytes[i - 1] != '\r')) output.WriteByte((byte)'\r');
            output.WriteByte(bytes[i]);
        }
        return output.ToArray();
    }
}
