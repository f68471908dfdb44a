using Rampart.Policy.DkimSigning;
using Rampart.Policy.Names;

namespace Rampart.Configuration.Sections;

/// <summary>
/// dkim_signing: the sender domains whose outbound mail is signed, one or two selectors each (a key file, and whether
/// it signs), the listeners it applies to (default: outbound and submission ones), and an optional expire_after (x=).
/// Every key file is read and judged here (<see cref="DkimKeyFile"/>), so a missing, unsafe, short or foreign key is a
/// configuration error placed on its key, at start, at check-config and at a reload, which reads the files again.
/// </summary>
internal static class DkimSigningSection
{
    /// <summary>One to sign, one published beside it for a rotation; or an RSA and an Ed25519 key that both sign.</summary>
    public const int MaxSelectors = 2;

    public static DkimSigningOptions? Read(Section? s, string baseDir, IReadOnlyList<ListenerOptions> listeners)
    {
        if (s is null) return null;
        var warnings = new List<string>();
        var domains = new Dictionary<string, DkimDomain>(StringComparer.Ordinal);
        foreach (var (name, d) in s.Named("domains"))
        {
            var domain = LookupName.Normalise(name);
            if (domain is null || !Smtp.Protocol.AddressParser.IsDomain(domain)) throw d.Error($"'{name}' is not a domain name");
            if (domains.ContainsKey(domain)) throw d.Error($"domain '{domain}' is given twice");
            var keys = new List<DkimKey>();
            foreach (var (selector, k) in d.Named("selectors")) keys.Add(Key(selector, k, baseDir, warnings));
            if (keys.Count == 0) throw d.Error("selectors", "name one selector (two during a key rotation)");
            if (keys.Count > MaxSelectors) throw d.Error("selectors", $"at most {MaxSelectors} selectors: the one that signs and the next (or previous) one");
            if (!keys.Any(k => k.Signs)) throw d.Error("selectors", "no selector signs: set sign: true on one");
            if (keys.Count(k => k.Signs) == 2 && keys[0].Algorithm == keys[1].Algorithm)
            {
                throw d.Error("selectors", "both selectors sign with the same algorithm: during a rotation only one signs (sign: false on the other); both may sign only when one is RSA and the other Ed25519");
            }
            d.Finish();
            domains[domain] = new DkimDomain(domain, keys);
        }
        if (domains.Count == 0) throw s.Error("domains", "name at least one domain and its selector");
        IReadOnlyList<string>? names = s.Has("listeners") ? s.List("listeners") : null;
        foreach (var listener in names ?? [])
        {
            var named = listeners.FirstOrDefault(l => l.Name == listener) ?? throw s.Error("listeners", $"no listener is named '{listener}'");
            // Internet mail with a From in our domain would get our signature: DMARC would pass for spoofed mail.
            if (named.Role == Mail.ListenerRole.Inbound) throw s.Error("listeners", $"'{listener}' is an inbound listener: mail from the internet is never signed (name outbound or submission listeners)");
        }
        var expire = s.Has("expire_after") ? s.Duration("expire_after", TimeSpan.Zero, TimeSpan.FromHours(1), TimeSpan.FromDays(3650)) : (TimeSpan?)null;
        s.Finish();
        return new DkimSigningOptions { Domains = domains, Listeners = names, ExpireAfter = expire, Warnings = warnings };
    }

    private static DkimKey Key(string selector, Section k, string baseDir, List<string> warnings)
    {
        // RFC 6376 §3.1: a selector is dot-separated labels (it becomes SELECTOR._domainkey.DOMAIN).
        if (!Smtp.Protocol.AddressParser.IsDomain(selector + ".x") || selector.Length > 63 * 4) throw k.Error($"'{selector}' is not a selector: letters, digits, '-' and '.'");
        var path = Path.GetFullPath(k.RequiredString("key"), baseDir);
        var read = DkimKeyFile.Read(path);
        if (read.Error is { } error) throw k.Error("key", error);
        if (read.Warning is { } warning) warnings.Add(k.Warning("key", warning));
        var signs = k.Bool("sign", true);
        k.Finish();
        return new DkimKey(selector.ToLowerInvariant(), path, read.Algorithm, read.Key!, read.Bits, signs);
    }
}
