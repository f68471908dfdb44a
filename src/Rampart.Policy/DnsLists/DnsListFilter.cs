using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Logging;
using Rampart.Dns;
using Rampart.Mail;
using Rampart.Policy.Connection;

namespace Rampart.Policy.DnsLists;

/// <summary>
/// Client-address DNS block and allow lists as postscreen weighs them (postscreen(8), postscreen_dnsbl_sites):
/// every site is asked at once when the client connects, each listing whose reply passes the site's filter adds the
/// site's weight (negative for allow lists), and a score at or above the threshold refuses the client — at connect,
/// or at each RCPT (<see cref="DnsListCheckAt"/>). A list that fails (SERVFAIL, timeout) is logged and counts as not
/// listed: a broken list must never refuse mail. Exempt clients (the listener's ip_allow and relay networks) are
/// never looked up.
/// </summary>
public sealed class DnsListFilter(DnsListOptions options, IDnsResolver dns, IReadOnlyList<IPNetwork> exempt, ILogger logger)
    : IConnectFilter, IRcptToFilter
{
    // One evaluation per session, started at connect; RCPT waits for it. Weak: it goes with the session.
    private readonly ConditionalWeakTable<SessionFacts, Task<Outcome>> outcomes = [];

    public string Name => "dns_lists";

    /// <summary>The sites that listed the client and the summed score.</summary>
    public sealed record Outcome(IReadOnlyList<DnsListSite> Listed, int Score);

    public async ValueTask<Verdict> OnConnectAsync(SessionFacts session, CancellationToken ct)
    {
        if (IpAccessListFilter.Contains(exempt, session.ClientAddress)) return Verdict.Next;
        var outcome = outcomes.GetValue(session, s => EvaluateAsync(s));
        if (options.CheckAt == DnsListCheckAt.Rcpt) return Verdict.Next;
        return Decide(await outcome.WaitAsync(ct), session, DnsListReplies.ListedAtConnect);
    }

    public async ValueTask<Verdict> OnRcptToAsync(SessionFacts session, Sender sender, Recipient recipient, CancellationToken ct)
    {
        if (options.CheckAt != DnsListCheckAt.Rcpt || IpAccessListFilter.Contains(exempt, session.ClientAddress)) return Verdict.Next;
        // Normally started at connect; a session that skipped the connect stage (none today) starts it here.
        var outcome = outcomes.GetValue(session, s => EvaluateAsync(s));
        return Decide(await outcome.WaitAsync(ct), session, DnsListReplies.ListedAtRcpt);
    }

    private Verdict Decide(Outcome outcome, SessionFacts session, Func<IEnumerable<string>, string, SmtpReply> reply)
    {
        if (outcome.Score < options.Threshold) return Verdict.Next;
        // Only the block lists decided; an allow list that did not outweigh them is not named as a reason.
        var zones = outcome.Listed.Where(s => s.Weight > 0).Select(s => s.Zone).Distinct();
        return new Verdict.Reject(reply(zones, session.SessionId));
    }

    /// <summary>All sites at once (the DNS service shares one query among sites of the same zone).</summary>
    public async Task<Outcome> EvaluateAsync(SessionFacts session)
    {
        var client = session.ClientAddress;
        var name = ReversedName(client);
        // Not the session's token: the lookups are bounded by the DNS timeout, and RCPT may still want the result.
        var answers = await Task.WhenAll(options.Sites.Select(site => dns.AddressesAsync($"{name}.{site.Zone}", AddressFamily.InterNetwork, CancellationToken.None).AsTask()));
        var listed = new List<DnsListSite>();
        var failed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < answers.Length; i++)
        {
            var (site, answer) = (options.Sites[i], answers[i]);
            if (answer.Status == DnsStatus.Failed)
            {
                if (failed.Add(site.Zone)) DnsListLog.DnsListFailed(logger, session.SessionId, site.Zone, client.ToString(), LogText.Escape(answer.Error ?? "failed"));
                continue;
            }
            if (answer.Records.Any(a => site.Reply?.Matches(a) ?? true)) listed.Add(site);
        }
        var score = listed.Sum(s => s.Weight);
        // REVIEW (wt-grey): the findings of issue 13's contract in their simplest form, so greylisting's DNSWL exemption
        // has something to read; wt-dnsx's per-site `symbol` key replaces this line and FindingSymbol at the merge.
        foreach (var site in listed) session.Connection.Add(FindingSymbol(site), site.Weight, $"{client} listed by {site.Zone}");
        if (listed.Count > 0)
        {
            DnsListLog.DnsListScore(logger, session.SessionId, client.ToString(), string.Join(", ", listed.Select(s => $"{s}*{s.Weight}")), score, options.Threshold);
        }
        return new Outcome(listed, score);
    }

    /// <summary>"RBL_BL_TEST" for a block list, "DNSWL_WL_TEST" for an allow list (negative weight).</summary>
    private static string FindingSymbol(DnsListSite site) =>
        (site.Weight < 0 ? "DNSWL_" : "RBL_") + new string(site.Zone.TrimEnd('.').Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_').ToArray());

    /// <summary>RFC 5782 §2.1 (IPv4: octets reversed) and §2.4 (IPv6: 32 nibbles reversed).</summary>
    public static string ReversedName(IPAddress address)
    {
        var bytes = MappedAddress.Unmapped(address).GetAddressBytes();
        if (bytes.Length == 4) return $"{bytes[3]}.{bytes[2]}.{bytes[1]}.{bytes[0]}";
        var name = new StringBuilder(64);
        for (int i = bytes.Length - 1; i >= 0; i--)
        {
            if (name.Length > 0) name.Append('.');
            name.Append("0123456789abcdef"[bytes[i] & 0xF]).Append('.').Append("0123456789abcdef"[bytes[i] >> 4]);
        }
        return name.ToString();
    }
}
