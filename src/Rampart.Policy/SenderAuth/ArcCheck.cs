using System.Text;
using MimeKit;
using MimeKit.Cryptography;

namespace Rampart.Policy.SenderAuth;

/// <summary>
/// The ARC chain's outcome (RFC 8617 §5.2): pass, fail or none; for a passing chain the domain that sealed it last
/// (the forwarder that handed the message to us) and what that forwarder recorded of the message's authentication
/// when it received it (its ARC-Authentication-Results, §4.1.1).
/// </summary>
public sealed record ArcOutcome(string Result, int Instances, string? Sealer, AuthenticationResults? Recorded, string? Reason)
{
    public static readonly ArcOutcome None = new("none", 0, null, null, null);
}

/// <summary>ARC verification with MimeKit's <see cref="ArcVerifier"/>, on the same key locator as DKIM.</summary>
public sealed class ArcCheck(DnsKeyLocator keys)
{
    /// <summary>
    /// RFC 8617 §4.2.1 allows 50 sets; each costs two key lookups and two verifications. Real forwarding chains are
    /// one to three hops, so more than this is judged a fail without asking DNS.
    /// </summary>
    public const int MaxSets = 8;

    public void Prefetch(MimeMessage message, CancellationToken ct)
    {
        var fields = ArcFields(message).ToList();
        if (fields.Count(h => h.Id == HeaderId.ArcSeal) > MaxSets) return;
        foreach (var h in fields)
        {
            if (SignatureTags.Parse(h.Value) is { } t && t.TryGetValue("d", out var d) && t.TryGetValue("s", out var s)) keys.Prefetch(d, s, ct);
        }
    }

    public async Task<ArcOutcome> VerifyAsync(MimeMessage message, CancellationToken ct)
    {
        var seals = message.Headers.Count(h => h.Id == HeaderId.ArcSeal);
        if (seals == 0) return ArcOutcome.None;
        if (seals > MaxSets) return new ArcOutcome("fail", seals, null, null, $"more than {MaxSets} ARC sets");
        ArcValidationResult result;
        try
        {
            result = await new ArcVerifier(keys).VerifyAsync(message, ct);
        }
        catch (Exception e) when (e is DkimKeyException or FormatException or ParseException or NotSupportedException or ArgumentException
            or Org.BouncyCastle.Security.GeneralSecurityException or Org.BouncyCastle.Crypto.CryptoException)
        {
            return new ArcOutcome("fail", seals, null, null, PrintableText.Cut(e.Message, 120));
        }
        if (result.Chain != ArcSignatureValidationResult.Pass)
        {
            return new ArcOutcome(result.Chain == ArcSignatureValidationResult.None ? "none" : "fail", seals, null, null,
                PrintableText.Cut(result.ChainErrors.ToString(), 120));
        }
        // The set with the highest i= is the last hop's: the forwarder that handed the message to us (§5.2).
        var last = (result.Seals ?? []).Select(s => SignatureTags.Parse(s.Header.Value)).Where(t => t is not null)
            .MaxBy(t => int.TryParse(t!.GetValueOrDefault("i"), out var i) ? i : 0);
        var instance = last?.GetValueOrDefault("i");
        return new ArcOutcome("pass", seals, last?.GetValueOrDefault("d")?.ToLowerInvariant(), RecordedAt(message, instance), null);
    }

    /// <summary>The ARC-Authentication-Results of instance <paramref name="instance"/>, parsed; null when absent or unreadable.</summary>
    private static AuthenticationResults? RecordedAt(MimeMessage message, string? instance)
    {
        foreach (var h in message.Headers.Where(h => h.Id == HeaderId.ArcAuthenticationResults))
        {
            if (AuthenticationResults.TryParse(Encoding.UTF8.GetBytes(h.Value), out var parsed)
                && parsed.Instance?.ToString(System.Globalization.CultureInfo.InvariantCulture) == instance)
                return parsed;
        }
        return null;
    }

    private static IEnumerable<Header> ArcFields(MimeMessage message) =>
        message.Headers.Where(h => h.Id is HeaderId.ArcSeal or HeaderId.ArcMessageSignature);
}
