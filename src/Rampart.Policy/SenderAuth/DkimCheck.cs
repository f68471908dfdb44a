using MimeKit;
using MimeKit.Cryptography;

namespace Rampart.Policy.SenderAuth;

/// <summary>
/// One DKIM-Signature's outcome (RFC 8601 §2.7.1 words): pass, fail, neutral, temperror, permerror, policy. "policy"
/// is a signature that verifies but is not accepted: its l= leaves part of the body unsigned.
/// </summary>
public sealed record DkimOutcome(string Result, string Domain, string Selector, string? Reason, string? Algorithm)
{
    public bool Passed => Result == "pass";
}

/// <summary>
/// DKIM verification (RFC 6376) of a parsed message with MimeKit's <see cref="DkimVerifier"/>: each of the first
/// <c>maxSignatures</c> DKIM-Signature fields on its own, rsa-sha256 and ed25519-sha256 (RFC 8463); rsa-sha1 is a
/// fail (RFC 8301 §3.1), an RSA key under 1024 bits too (§3.2). <c>l=</c> is honoured as MimeKit does (only that many
/// body bytes are hashed); a signature whose l= is shorter than the canonicalised body is "policy", not "pass"
/// (RFC 6376 §8.2: anyone holding a signed copy can append a part), so it counts neither for DMARC alignment nor for
/// anything that reads the recorded dkim result. <paramref name="openContent"/> opens the message as parsed, to
/// measure the body.
/// </summary>
public sealed class DkimCheck(DnsKeyLocator keys, int maxSignatures, Func<Stream> openContent)
{
    public IReadOnlyList<Header> SignaturesOf(MimeMessage message) =>
        message.Headers.Where(h => h.Id == HeaderId.DkimSignature).Take(maxSignatures).ToList();

    /// <summary>Asks DNS for every key at once, before any signature is checked.</summary>
    public void Prefetch(IEnumerable<Header> signatures, CancellationToken ct)
    {
        foreach (var h in signatures)
        {
            if (SignatureTags.Parse(h.Value) is { } t && t.TryGetValue("d", out var d) && t.TryGetValue("s", out var s)) keys.Prefetch(d, s, ct);
        }
    }

    public async Task<IReadOnlyList<DkimOutcome>> VerifyAsync(MimeMessage message, IReadOnlyList<Header> signatures, CancellationToken ct)
    {
        var verifier = new DkimVerifier(keys) { MinimumRsaKeyLength = 1024 };
        verifier.Enable(DkimSignatureAlgorithm.RsaSha256);
        verifier.Enable(DkimSignatureAlgorithm.Ed25519Sha256);
        verifier.Disable(DkimSignatureAlgorithm.RsaSha1);
        var outcomes = new List<DkimOutcome>();
        foreach (var signature in signatures) outcomes.Add(await VerifyOneAsync(verifier, message, signature, ct));
        return outcomes;
    }

    private async Task<DkimOutcome> VerifyOneAsync(DkimVerifier verifier, MimeMessage message, Header signature, CancellationToken ct)
    {
        var tags = SignatureTags.Parse(signature.Value);
        var domain = tags?.GetValueOrDefault("d") ?? "";
        var selector = tags?.GetValueOrDefault("s") ?? "";
        var algorithm = tags?.GetValueOrDefault("a");
        if (tags is null || domain.Length == 0 || selector.Length == 0)
            return new DkimOutcome("permerror", Printable(domain), Printable(selector), "malformed signature", algorithm);
        if (algorithm == "rsa-sha1")
            return new DkimOutcome("fail", Printable(domain), Printable(selector), "rsa-sha1 is not accepted (RFC 8301)", algorithm);
        try
        {
            var valid = await verifier.VerifyAsync(message, signature, ct);
            if (!valid) return new DkimOutcome("fail", Printable(domain), Printable(selector), "signature or body hash does not verify", algorithm);
            if (!tags.TryGetValue("l", out var l)) return new DkimOutcome("pass", Printable(domain), Printable(selector), null, algorithm);
            // MimeKit verified l=, so it is a number; the body canonicalisation is c='s second word, simple by default.
            var relaxed = tags.GetValueOrDefault("c")?.Split('/') is [_, var body] && body.Trim().Equals("relaxed", StringComparison.OrdinalIgnoreCase);
            await using var content = openContent();
            return !long.TryParse(l, System.Globalization.CultureInfo.InvariantCulture, out var signedLength)
                || await DkimBody.LongerThanAsync(content, relaxed, signedLength, ct)
                ? new DkimOutcome("policy", Printable(domain), Printable(selector), "l= leaves part of the body unsigned", algorithm)
                : new DkimOutcome("pass", Printable(domain), Printable(selector), "body length limited by l=", algorithm);
        }
        catch (DkimKeyException e)
        {
            return new DkimOutcome(e.Temporary ? "temperror" : "permerror", Printable(domain), Printable(selector), e.Message, algorithm);
        }
        catch (Exception e) when (e is FormatException or ParseException or NotSupportedException or ArgumentException
            or Org.BouncyCastle.Security.GeneralSecurityException or Org.BouncyCastle.Crypto.CryptoException)
        {
            // MimeKit refuses a signature it cannot use (unknown algorithm, bad tags, a short key), BouncyCastle a key
            // of the wrong kind for the algorithm (an Ed25519 key under a=rsa-sha256): §6.1 "PERMFAIL".
            return new DkimOutcome("permerror", Printable(domain), Printable(selector), Printable(e.Message), algorithm);
        }
    }

    private static string Printable(string text) => PrintableText.Cut(text, 120);
}
