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
            if (record.Certificate is { } full) candidates.Add(full);
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

    /// <summary>
    /// The leaf must chain to the anchor, at the gateway's time, with no help from any system root. X509Chain's
    /// CustomRootTrust accepts only a self-signed root (dotnet/runtime#80483), and a DANE-TA anchor is often an
    /// intermediate CA: so nothing is trusted, the chain is built from what the server sent (and the anchor), and
    /// it is accepted when the anchor is element k and elements 0..k have no fault but the missing trust
    /// (PartialChain, UntrustedRoot, which say nothing about the path below the anchor). Revocation is not checked
    /// (no CRL fetches in mail) and nothing is downloaded.
    /// </summary>
    private string? ChainProblem(X509Certificate2 leaf, X509Certificate2 anchor, IReadOnlyList<X509Certificate2> sent)
    {
        using var chain = new X509Chain { ChainPolicy = OfflineChainPolicy.Create() };
        // Custom trust with an empty store: nothing is trusted, not even the system's roots.
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.ExtraStore.AddRange(sent.ToArray());
        chain.ChainPolicy.ExtraStore.Add(anchor);
        chain.ChainPolicy.VerificationTime = clock.GetUtcNow().UtcDateTime;
        chain.Build(leaf);
        var elements = chain.ChainElements.ToList();
        var k = elements.FindIndex(e => e.Certificate.RawData.AsSpan().SequenceEqual(anchor.RawData));
        if (k < 1) return $"the leaf does not chain to the DANE-TA anchor {anchor.Subject}";
        var faults = elements.Take(k + 1).SelectMany(e => e.ChainElementStatus)
            .Select(s => s.Status).Where(s => s is not (X509ChainStatusFlags.NoError or X509ChainStatusFlags.PartialChain or X509ChainStatusFlags.UntrustedRoot))
            .Distinct().ToList();
        return faults.Count == 0 ? null : $"chain to the DANE-TA anchor {anchor.Subject} failed ({string.Join(", ", faults)})";
    }
}
