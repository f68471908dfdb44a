using Rampart.Delivery.Smtp;
using Rampart.Mail;

namespace Rampart.Delivery.TlsPolicies.Dane;

/// <summary>postfix's smtp_tls_security_level "dane" (DANE where published, else the route's TLS) or "dane-only".</summary>
public enum DaneMode { Opportunistic, Mandatory }

/// <summary>
/// What DANE says about one MX host (RFC 7672 §2.2). <see cref="Applies"/> is the answer the MTA-STS precedence
/// rule needs (RFC 8461 §2: where DANE applies, MTA-STS is not used): true when the host has a secure, non-empty
/// TLSA RRset, whether or not its records are usable.
/// </summary>
public abstract record DaneVerdict
{
    private DaneVerdict()
    {
    }

    public abstract bool Applies { get; }

    /// <summary>No DNSSEC-proven TLSA records (insecure MX or addresses, none published): the route's TLS as it is.</summary>
    public sealed record NotApplicable(string Why) : DaneVerdict
    {
        public override bool Applies => false;
    }

    /// <summary>
    /// Usable records: TLS is required and the certificate must match one of them (RFC 7672 §2.2, §3).
    /// <paramref name="BaseDomain"/> is the TLSA base domain (the CNAME target when the records came from there): the
    /// SNI name (§8.1) and the first DANE-TA reference identifier (§3.2.2), which <paramref name="Names"/> lists.
    /// </summary>
    public sealed record Authenticate(string TlsaName, string BaseDomain, IReadOnlyList<TlsaAssociation> Records, IReadOnlyList<string> Names) : DaneVerdict
    {
        public override bool Applies => true;
    }

    /// <summary>
    /// Records, none usable (RFC 7672 §2.2: "mandatory unauthenticated TLS"): still a sign the host has TLS, so the
    /// downgrade to plaintext an attacker could force by stripping STARTTLS is refused.
    /// </summary>
    public sealed record EncryptOnly(string TlsaName, string BaseDomain, int Count) : DaneVerdict
    {
        public override bool Applies => true;
    }

    /// <summary>This host must not be tried now: its TLSA lookup failed, or dane-only found no DANE for it.</summary>
    public sealed record Refuse(SmtpReply Reason) : DaneVerdict
    {
        public override bool Applies => true;
    }
}

/// <summary>The 4.7.5 replies DANE makes up (RFC 3463 X.7.5 "Cryptographic failure"; RFC 7672 §2.2 defers, never bounces).</summary>
internal static class DaneReplies
{
    public static SmtpReply LookupFailed(string host, string error) =>
        ClientReplies.TlsFailure($"DANE: TLSA lookup for {host} failed, host not used ({error})");

    public static SmtpReply NoDane(string host, string why) => ClientReplies.TlsFailure($"DANE required (dane-only) but {host} has none: {why}");

    /// <summary>RFC 3463 X.4.3 "Directory server failure", as any DNS failure, naming the validating resolver's failed lookups.</summary>
    public static SmtpReply ResolutionFailed(string domain, IReadOnlyList<string> failures) =>
        new(451, "4.4.3", $"DANE: the validating resolver's lookups for {domain} failed ({string.Join("; ", failures.Take(4))})");

    public static SmtpReply Unauthenticated(string host, int count, string tlsaName) =>
        ClientReplies.TlsFailure($"DANE required (dane-only) but none of the {count} TLSA record(s) of {host} at {tlsaName} is usable for SMTP: it cannot be authenticated");
}
