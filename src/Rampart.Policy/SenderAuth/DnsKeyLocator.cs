using System.Collections.Concurrent;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Rampart.Dns;

namespace Rampart.Policy.SenderAuth;

/// <summary>Why no key came back for a signature: a DNS failure (temperror) or a missing or broken record (permerror).</summary>
public sealed class DkimKeyException(string message, bool temporary) : Exception(message)
{
    public bool Temporary => temporary;
}

/// <summary>
/// MimeKit's key seam (<see cref="IDkimPublicKeyLocator"/>) on the one DNS service: the TXT record at
/// selector._domainkey.domain (RFC 6376 §3.6.2). One per message: every key the message's signatures and seals name
/// is asked at once (<see cref="Prefetch"/>) so that the verifiers, which run one signature after another, find the
/// answers waiting; a key named twice is asked once. Nothing in DNS is trusted: an oversized record, a name that is
/// not a host name, more distinct keys than <see cref="MaxKeys"/> are failures, never exceptions of another kind.
/// </summary>
public sealed class DnsKeyLocator(IDnsResolver dns) : DkimPublicKeyLocatorBase
{
    /// <summary>A 4096-bit RSA key is ~740 characters of base64; 4 KiB leaves room for notes and refuses junk.</summary>
    public const int MaxRecordLength = 4096;

    /// <summary>Distinct keys one message may make us fetch (its DKIM signatures and ARC sets together).</summary>
    public const int MaxKeys = 24;

    private readonly ConcurrentDictionary<string, Lazy<Task<AsymmetricKeyParameter>>> keys = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Starts the lookup of one key without waiting for it; its failure is seen by whoever asks for the key.</summary>
    public void Prefetch(string domain, string selector, CancellationToken ct) =>
        // Observed here too: a key no signature ends up asking for (one past max_signatures' check) must not fault unseen.
        _ = Find(domain, selector, ct).ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("DKIM keys are located asynchronously only");

    public override Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default)
    {
        // RFC 6376 §3.5 q=: "dns/txt" is the only method defined; anything else names nothing we can ask.
        if (!methods.Split(':').Any(m => m.Trim().Equals("dns/txt", StringComparison.OrdinalIgnoreCase)))
            return Task.FromException<AsymmetricKeyParameter>(new DkimKeyException($"no supported query method in q={methods}", temporary: false));
        return Find(domain, selector, cancellationToken);
    }

    private Task<AsymmetricKeyParameter> Find(string domain, string selector, CancellationToken ct)
    {
        var name = $"{selector}._domainkey.{domain}".TrimEnd('.');
        if (keys.Count >= MaxKeys && !keys.ContainsKey(name))
            return Task.FromException<AsymmetricKeyParameter>(new DkimKeyException($"more than {MaxKeys} distinct keys in one message", temporary: false));
        return keys.GetOrAdd(name, n => new Lazy<Task<AsymmetricKeyParameter>>(() => FetchAsync(n, ct))).Value;
    }

    private async Task<AsymmetricKeyParameter> FetchAsync(string name, CancellationToken ct)
    {
        if (!IsHostName(name)) throw new DkimKeyException($"'{PrintableText.Cut(name, 80)}' is not a DNS name", temporary: false);
        var answer = await dns.TextAsync(name, ct);
        if (answer.Status == DnsStatus.Failed) throw new DkimKeyException($"{name}: DNS failed ({answer.Error})", temporary: true);
        // §3.6.2.2: several records are undefined; the first that parses is taken, as OpenDKIM does.
        foreach (var record in answer.Records)
        {
            if (record.Length > MaxRecordLength) continue;
            try
            {
                return GetPublicKey(record);
            }
            catch (Exception e) when (e is FormatException or ParseException or ArgumentException or NotSupportedException or IOException
                or Org.BouncyCastle.Security.GeneralSecurityException or Org.BouncyCastle.Crypto.CryptoException)
            {
                // Not a key record (or a revoked key, p= empty: §3.6.1; bad base64 comes back as an IOException from
                // the PEM reader): try the next one.
            }
        }
        throw new DkimKeyException(answer.IsVoid ? $"no key at {name}" : $"no usable key at {name}", temporary: false);
    }

    /// <summary>Letters, digits, hyphens and underscores in labels of 1–63, at most 253 in all (RFC 1035 §2.3.4).</summary>
    internal static bool IsHostName(string name) =>
        name.Length is > 0 and <= 253
        && name.Split('.').All(label => label.Length is > 0 and <= 63 && label.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'));
}
