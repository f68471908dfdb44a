using System.Security.Cryptography.X509Certificates;

namespace Rampart.Delivery.TlsPolicies.Dane;

/// <summary>
/// Judges the certificates a DANE host presented against its usable TLSA records (RFC 7672 §3.1, RFC 7671 §5):
/// DANE-EE(3) matches the leaf alone, its names and dates ignored (§3.1.1, RFC 7671 §5.1); DANE-TA(2) needs a
/// certificate the server sent to match, the leaf to chain to it, and the leaf to carry the MX host name or the
/// next-hop domain (§3.2.2). Returns null to accept, or the reason to refuse.
/// </summary>
internal sealed class DaneCertificateCheck(IReadOnlyList<TlsaAssociation> records, IReadOnlyList<string> names, TimeProvider clock)
{
    public TlsaAssociation? MatchedBy { get; private set; }

    public string? Check(X509Certificate2 leaf, IReadOnlyList<X509Certificate2> sent)
    {
        foreach (var record in records.Where(r => r.Usage == TlsaAssociation.DaneEe))
        {
            if (!record.Matches(leaf)) continue;
            MatchedBy = record;
            return null;
        }
        string? chainProblem = null;
        foreach (var record in records.Where(r => r.Usage == TlsaAssociation.DaneTa))
        {
            // RFC 7671 §5.2.2: the server must send its trust anchor; a full-certificate record (2 0 0) is the anchor itself.
            var candidates = sent.Where(c => !c.RawData.AsSpan().SequenceEqual(leaf.RawData)).ToList();
            if (record is { Selector: 0, Matching: 0 }) candidates.Add(X509CertificateLoader.LoadCertificate(record.Data));
            foreach (var anchor in candidates.Where(record.Matches))
            {
                chainProblem = ChainProblem(leaf, anchor, sent);
                if (chainProblem is not null) continue;
                if (!names.Any(n => leaf.MatchesHostname(n, allowWildcards: true, allowCommonName: true)))
                {
                    chainProblem = $"chains to the DANE-TA anchor but names none of {string.Join(", ", names)}";
                    continue;
                }
                MatchedBy = record;
                return null;
            }
        }
        return $"certificate does not match TLSA ({records.Count} usable record(s): {string.Join("; ", records.Take(4))})" +
            (chainProblem is null ? "" : $"; {chainProblem}");
    }

    /// <summary>The leaf must chain to the anchor alone (no system root), at the gateway's time; revocation is not checked (no CRL fetches in mail).</summary>
    private string? ChainProblem(X509Certificate2 leaf, X509Certificate2 anchor, IReadOnlyList<X509Certificate2> sent)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(anchor);
        chain.ChainPolicy.ExtraStore.AddRange(sent.ToArray());
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = clock.GetUtcNow().UtcDateTime;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        if (chain.Build(leaf)) return null;
        var status = chain.ChainStatus.Select(s => s.Status.ToString()).Distinct();
        return $"chain to the DANE-TA anchor {anchor.Subject} failed ({string.Join(", ", status)})";
    }
}
