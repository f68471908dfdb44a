using Rampart.Policy.HeaderHygiene;

namespace Rampart.Configuration.Sections;

/// <summary>
/// header_hygiene: which of Rampart's own verdict fields are removed from inbound mail (inbound.remove; on by
/// default), and the outbound clean-up (outbound.*: each off by default).
/// </summary>
internal static class HeaderHygieneSection
{
    /// <summary>Fields inbound.remove may not name: removing them breaks the trace, the author, the sender's signatures or our results.</summary>
    private static readonly string[] Protected = ["Received", "From", "DKIM-Signature", "Authentication-Results"];

    public static HeaderHygieneOptions Read(Section? s)
    {
        var d = new HeaderHygieneOptions();
        if (s is null) return d;
        var options = d;
        if (s.Child("inbound") is { } inbound)
        {
            var remove = inbound.Has("remove") ? inbound.List("remove") : d.InboundRemove;
            foreach (var name in remove)
            {
                var bare = name.EndsWith('*') ? name[..^1] : name;
                if (bare.Length == 0 || !bare.All(c => c is > ' ' and < (char)127 and not ':' and not '*'))
                {
                    throw inbound.Error("remove", $"'{name}' is not a header field name (printable ASCII but ':'; a final '*' for a prefix)");
                }
                var matched = new HeaderHygieneOptions { InboundRemove = [name] };
                if (Protected.FirstOrDefault(matched.RemovesInbound) is { } field)
                {
                    throw inbound.Error("remove", $"'{name}' would remove {field} fields, which are the message's trace, author or signatures (forged Authentication-Results are sender_auth's to remove)");
                }
            }
            inbound.Finish();
            options = options with { InboundRemove = remove };
        }
        if (s.Child("outbound") is { } outbound)
        {
            options = options with
            {
                RemoveInternalReceived = outbound.Bool("remove_internal_received", d.RemoveInternalReceived),
                HideClientAddress = outbound.Bool("hide_client_address", d.HideClientAddress),
                AddMessageId = outbound.Bool("add_message_id", d.AddMessageId),
                AddDate = outbound.Bool("add_date", d.AddDate),
            };
            outbound.Finish();
        }
        s.Finish();
        return options;
    }
}
