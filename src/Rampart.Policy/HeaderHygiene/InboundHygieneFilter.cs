using Microsoft.Extensions.Logging;
using Rampart.Mail;

namespace Rampart.Policy.HeaderHygiene;

/// <summary>
/// "header_hygiene" on inbound listeners: the fields Rampart writes its verdicts in, arriving from outside, are
/// removed (<see cref="HeaderHygieneOptions.InboundRemove"/>), so a reader's client and every later filter see only
/// ours. After sender_auth (its DKIM check must see the message as the sender signed it: a signed X-Spam-Status
/// removed before would fail a good signature) and before the filters that write them (spam). The message is
/// rewritten only when such a field is there; the fields kept are copied byte for byte.
/// </summary>
public sealed class InboundHygieneFilter(HeaderHygieneOptions options, ILogger logger) : IMessageFilter
{
    public string Name => "header_hygiene";

    public async ValueTask<Verdict> OnMessageAsync(MessageContext message, CancellationToken ct)
    {
        // Only the client's part is judged: our own fields on top (Received, sender_auth's Authentication-Results) are
        // never removed. OwnFieldsLength, not OpenClientContent: that skips nothing once sender_auth rewrote (review D4).
        var own = message.OwnFieldsLength;
        List<RawField> fields;
        await using (var client = message.OpenContent())
        {
            client.Seek(own, SeekOrigin.Begin);
            fields = await RawHeaderSection.ReadAsync(client, ct);
        }
        var forged = fields.Where(f => f.Name.Length > 0 && options.RemovesInbound(f.Name)).ToList();
        if (forged.Count == 0) return Verdict.Next;
        await message.RewriteHeaderAsync(async (target, token) =>
        {
            await using var source = message.OpenContent();
            var prefix = new byte[own];
            await source.ReadExactlyAsync(prefix, token);
            await target.WriteAsync(prefix, token);
            await RawHeaderSection.WriteAsync(source, target, all => all.Where(f => !(f.Name.Length > 0 && options.RemovesInbound(f.Name))), token);
        }, own, ct);
        HygieneLog.HeaderFieldsRemoved(logger, message.QueueId, forged.Count, LogText.Escape(string.Join(", ", forged.Select(f => f.Name).Distinct(StringComparer.OrdinalIgnoreCase))));
        return Verdict.Next;
    }
}
