using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using MimeKit.Utils;
using Rampart.Mail;

namespace Rampart.Policy.HeaderHygiene;

/// <summary>
/// "header_hygiene_outbound" on outbound and submission listeners, each part off unless asked: the Received fields
/// the organisation's own hosts added (<see cref="InternalReceived"/>) removed, since they publish internal names and
/// addresses; our own Received field without the client's address (hide_client_address: the internal server's
/// address need not be published); a Message-ID (with the gateway's host name) and a Date added when the message has
/// none (RFC 5322 §3.6: both required; a submission client may leave them to its server, RFC 6409 §8.2-8.3). Before
/// dkim_signing, so what it adds is signed. One rewrite, only when something changes.
/// </summary>
public sealed partial class OutboundHygieneFilter(HeaderHygieneOptions options, IReadOnlyList<IPNetwork> relayNetworks, string hostName,
    TimeProvider clock, ILogger logger) : IMessageFilter
{
    public string Name => "header_hygiene_outbound";

    public async ValueTask<Verdict> OnMessageAsync(MessageContext message, CancellationToken ct)
    {
        List<RawField> fields;
        await using (var content = message.OpenContent()) fields = await RawHeaderSection.ReadAsync(content, ct);
        var added = new List<RawField>();
        if (options.AddMessageId && !fields.Any(f => f.Is("Message-ID"))) added.Add(RawField.Of($"Message-ID: <{NewId()}@{hostName}>\r\n"));
        if (options.AddDate && !fields.Any(f => f.Is("Date"))) added.Add(RawField.Of($"Date: {DateUtils.FormatDate(clock.GetUtcNow())}\r\n"));
        var plan = Plan(fields, message.OwnFieldsLength, added);
        if (plan.Removed.Count == 0 && added.Count == 0 && plan.OwnChange == 0) return Verdict.Next;

        // Fields below the top change (the client's, or our Received in place): the shared parse must go even when as
        // many bytes went as came (review D2), so not AddFieldOnTopAsync's length test.
        var own = message.OwnFieldsLength;
        await message.RewriteHeaderAsync(async (target, token) =>
        {
            await using var source = message.OpenContent();
            await RawHeaderSection.WriteAsync(source, target, all => Plan(all, own, added).Fields, token);
        }, own + plan.OwnChange, ct);
        var removed = plan.Removed.Concat(plan.OwnChange != 0 ? ["client address of our Received"] : []).ToList();
        if (removed.Count > 0) HygieneLog.HeaderFieldsRemoved(logger, message.QueueId, plan.Removed.Count, string.Join(", ", removed));
        if (added.Count > 0) HygieneLog.HeaderFieldsAdded(logger, message.QueueId, LogText.Escape(string.Join(", ", added.Select(f => f.Text.TrimEnd()))));
        return Verdict.Next;
    }

    private sealed record Rewrite(List<RawField> Fields, List<string> Removed, long OwnChange);

    /// <summary>
    /// The fields to write: ours (the first <paramref name="ownLength"/> bytes) kept, their Received field without the
    /// client's address if asked; the client's internal Received fields dropped; <paramref name="added"/> last.
    /// </summary>
    private Rewrite Plan(List<RawField> fields, long ownLength, List<RawField> added)
    {
        var output = new List<RawField>();
        var removed = new List<string>();
        long offset = 0, ownChange = 0;
        var inInternalRun = options.RemoveInternalReceived;
        foreach (var field in fields)
        {
            var ours = offset < ownLength;
            offset += field.Bytes.Length;
            if (ours)
            {
                var kept = options.HideClientAddress && field.Is("Received") ? WithoutClient(field) : field;
                ownChange += kept.Bytes.Length - field.Bytes.Length;
                output.Add(kept);
            }
            else if (inInternalRun && field.Is("Received") && InternalReceived.IsInternal(field, relayNetworks))
            {
                removed.Add("Received");
            }
            else
            {
                if (field.Is("Received")) inInternalRun = false; // the first hop from outside: it and all older ones stay
                output.Add(field);
            }
        }
        output.AddRange(added);
        return new Rewrite(output, removed, ownChange);
    }

    /// <summary>"Received: from helo ([192.0.2.1]:4321)" → "Received: from helo" (ReceivedHeader's first line).</summary>
    private static RawField WithoutClient(RawField field) =>
        RawField.Of(ClientClause().Replace(field.Text, "", 1));

    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    [GeneratedRegex(@" \(\[[^\]\r\n]{1,64}\]:\d{1,5}\)(?=\r?\n)", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ClientClause();
}
