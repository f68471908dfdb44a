using Rampart.Policy.PublicSuffixes;
using Microsoft.Extensions.Logging;
using MimeKit;
using Rampart.Dns;
using Rampart.Mail;
using Rampart.Policy.Attachments;

namespace Rampart.Policy.SenderAuth;

/// <summary>
/// "sender_auth" at the end of DATA: DKIM (every signature, up to the limit), ARC, then DMARC on the From domain with
/// the SPF result the MAIL stage recorded; each outcome recorded in the transaction's evidence (an
/// <see cref="AuthResult"/> and findings), then one Authentication-Results field with our authserv-id put on top and
/// every incoming one claiming that id removed. DMARC fail acts as the domain asks and the listener allows: p=reject
/// → 550 5.7.1 (or quarantine), p=quarantine → quarantine "dmarc" (or only recorded). All keys, and the DMARC
/// records, are asked of DNS at once before anything is verified. The message is parsed with the bounds the other
/// parsing filters keep (every header section measured against limits.max_header_size before MimeKit reads it, MIME
/// depth <see cref="MaxDepth"/>), so a part of a million tiny fields cannot fill memory. A message past those bounds,
/// or that MimeKit cannot parse, is left to go on with dkim=none and dmarc=permerror recorded (and their findings,
/// so scoring sees it as odd): refusing it is other filters' business. Organisational domains come from
/// <paramref name="suffixes"/>: the same list as domain_lists', so the two never disagree on what a registered domain is.
/// </summary>
public sealed partial class SenderAuthFilter(SenderAuthOptions options, string authservId, IDnsResolver dns, ILogger logger,
    long maxHeaderSize, PublicSuffixList? suffixes = null, Func<int>? percentile = null)
    : IMessageFilter
{
    /// <summary>As the URL lists and built-in rules: deeper than any real message.</summary>
    public const int MaxDepth = MessageContext.MaxMimeDepth;

    private readonly DmarcCheck dmarc = new(dns, suffixes ?? PublicSuffixList.Default, options.Forwarders, percentile ?? (() => Random.Shared.Next(100)));

    public string Name => "sender_auth";

    public async ValueTask<Verdict> OnMessageAsync(MessageContext message, CancellationToken ct)
    {
        var session = message.Session;
        var evidence = session.Transaction;
        IReadOnlyList<DkimOutcome> dkim;
        DmarcOutcome dmarcOutcome;
        MimeMessage mime;
        try
        {
            // The parse the context shares with domain_lists and the built-in rules (persistent: the parts stay on
            // the spool file), bounded as described above.
            mime = await message.ParsedAsync(maxHeaderSize, ct);
        }
        catch (Exception e) when (e is FormatException or InspectionLimitException)
        {
            SenderAuthUnreadable(logger, message.QueueId, LogText.Escape(e.Message));
            (dkim, dmarcOutcome) = await UnparsedAsync(message, ct);
            return await PublishAsync(message, Act(message, dmarcOutcome), dkim, ct);
        }
        var locator = new DnsKeyLocator(dns);
        var dkimCheck = new DkimCheck(locator, options.MaxSignatures, message.OpenClientContent);
        var arcCheck = new ArcCheck(locator);
        var signatures = dkimCheck.SignaturesOf(mime);
        dkimCheck.Prefetch(signatures, ct);
        arcCheck.Prefetch(mime, ct);
        var fromDomain = AuthorDomain.Of(mime.Headers, out var badFrom);
        var lookup = fromDomain is null ? null : dmarc.FindAsync(fromDomain, ct);

        dkim = await dkimCheck.VerifyAsync(mime, signatures, ct);
        var arc = await arcCheck.VerifyAsync(mime, ct);
        dmarcOutcome = fromDomain is null
            ? new DmarcOutcome("permerror", null, null, DmarcPolicy.None, badFrom)
            : dmarc.Evaluate(fromDomain, await lookup!, dkim, evidence.ResultOf("spf"), arc);
        Record(evidence, message, dkim, arc, dmarcOutcome);
        SenderAuthChecked(logger, message.QueueId, evidence.ResultOf("spf")?.Result ?? "none",
            dkim.Count == 0 ? "none" : string.Join(",", dkim.Select(d => $"{d.Result}:{d.Domain}")), arc.Result,
            dmarcOutcome.Result, dmarcOutcome.FromDomain ?? "-", LogText.Escape(dmarcOutcome.Reason));
        return await PublishAsync(message, Act(message, dmarcOutcome), dkim, ct);
    }

    /// <summary>
    /// A message past the parse bounds (or that MimeKit cannot parse): no signature can be checked (dkim=permerror),
    /// but its top-level header section is bounded by the framer, so the From domain is still read there and DMARC
    /// judged on SPF alone; otherwise a flood of fields in one body part would be a way around p=reject. A From that
    /// cannot be read there either is a permerror (DMARC_BAD_FROM), so scoring sees the message as odd.
    /// </summary>
    private async Task<(IReadOnlyList<DkimOutcome>, DmarcOutcome)> UnparsedAsync(MessageContext message, CancellationToken ct)
    {
        var evidence = message.Session.Transaction;
        var arc = new ArcOutcome("none", 0, null, null, null);
        IReadOnlyList<DkimOutcome> dkim = [new DkimOutcome("permerror", "", "", "the message is past the parse limits or malformed", null)];
        var authors = await message.AuthorFieldsAsync(ct);
        var badFrom = "the message cannot be parsed";
        var fromDomain = authors is null ? null : AuthorDomain.Of(authors, out badFrom);
        var outcome = fromDomain is null
            ? new DmarcOutcome("permerror", null, null, DmarcPolicy.None, badFrom)
            : dmarc.Evaluate(fromDomain, await dmarc.FindAsync(fromDomain, ct), dkim, evidence.ResultOf("spf"), arc);
        Record(evidence, message, dkim, arc, outcome);
        return (dkim, outcome);
    }

    private void Record(Evidence evidence, MessageContext message, IReadOnlyList<DkimOutcome> dkim, ArcOutcome arc, DmarcOutcome outcome)
    {
        // Evidence keeps one result per method: the best signature's (a pass if any), as DMARC judged by it.
        var best = dkim.FirstOrDefault(d => d.Passed) ?? dkim.FirstOrDefault();
        evidence.Record(best is null ? new AuthResult("dkim", "none") : DkimResult(best));
        if (dkim.Count == 0) evidence.Add(AuthSymbols.DkimNone);
        foreach (var symbol in dkim.Select(AuthSymbols.Dkim).DistinctBy(f => f.Symbol)) evidence.Add(symbol);
        // RFC 8617 §10.2 registers only header.oldest-pass and smtp.remote-ip for arc; the sealer goes in the reason.
        evidence.Record(new AuthResult("arc", arc.Result, arc.Reason ?? (arc.Sealer is { } s ? $"sealed by {s}" : null),
            [new("smtp.remote-ip", message.Session.ClientAddress.ToString())]));
        var trusted = arc.Sealer is { } sealer && options.Forwarders.Contains(sealer, StringComparer.OrdinalIgnoreCase);
        evidence.Add(AuthSymbols.Arc(arc, trusted));
        evidence.Record(new AuthResult("dmarc", outcome.Result, outcome.Reason,
            outcome.FromDomain is { } from ? [new("header.from", from)] : null));
        evidence.Add(AuthSymbols.Dmarc(outcome));
    }

    private static AuthResult DkimResult(DkimOutcome d)
    {
        // A signature that could not be read, or a message that could not be parsed, names no domain or selector.
        List<KeyValuePair<string, string>> properties = d.Domain.Length == 0 ? [] : [new("header.d", d.Domain), new("header.s", d.Selector)];
        if (d.Algorithm is { } a) properties.Add(new("header.a", a));
        return new AuthResult("dkim", d.Result, d.Reason, properties);
    }

    private Verdict Act(MessageContext message, DmarcOutcome outcome)
    {
        var domain = outcome.FromDomain ?? "";
        if (outcome.OverriddenBy is { } sealer) DmarcOverriddenByArc(logger, message.QueueId, domain, sealer);
        switch (outcome.Disposition)
        {
            case DmarcPolicy.Reject when options.OnReject == DmarcRejectAction.Reject:
                DmarcRejected(logger, message.QueueId, domain, message.Session.SessionId);
                return new Verdict.Reject(SenderAuthReplies.DmarcRejected(domain, message.Session.SessionId));
            case DmarcPolicy.Reject:
            case DmarcPolicy.Quarantine when options.OnQuarantine == DmarcQuarantineAction.Quarantine:
                DmarcQuarantined(logger, message.QueueId, domain, DmarcCheck.Word(outcome.Requested ?? outcome.Disposition));
                return Verdict.Quarantine.For(QuarantineReason.Dmarc(domain, DmarcCheck.Word(outcome.Requested ?? outcome.Disposition)));
            default:
                return Verdict.Next;
        }
    }

    /// <summary>
    /// Puts our Authentication-Results on top, without any field forging our id; a refused message is not rewritten.
    /// The field lists every signature's result (RFC 8601 §2.7.1: one dkim entry per signature), Evidence only one.
    /// </summary>
    private async Task<Verdict> PublishAsync(MessageContext message, Verdict verdict, IReadOnlyList<DkimOutcome> allDkim, CancellationToken ct)
    {
        if (verdict is Verdict.Reject) return verdict;
        var results = message.Session.Transaction.Results.Where(r => r.Method is "spf" or "dkim" or "dmarc" or "arc")
            .SelectMany(r => r.Method == "dkim" && allDkim.Count > 1 ? allDkim.Select(DkimResult) : [r])
            .OrderBy(r => Array.IndexOf(MethodOrder, r.Method)).ToList();
        var field = AuthResultsField.Format(authservId, results);
        var removed = 0;
        // WriteAsync puts the field above our Received field and copies that unchanged, so the header limits of later
        // filters (attachments, built-in rules) still leave both uncounted.
        await message.AddFieldOnTopAsync(async (target, token) =>
        {
            await using var source = message.OpenContent();
            removed = await AuthResultsField.WriteAsync(source, target, field, authservId, token);
        }, AuthResultsField.ByteCount(field), ct);
        if (removed > 0) ForgedAuthResultsRemoved(logger, message.QueueId, removed, authservId);
        return verdict;
    }

    private static readonly string[] MethodOrder = ["spf", "dkim", "dmarc", "arc"];

    [LoggerMessage(EventCatalogue.SenderAuthChecked, LogLevel.Information, "{QueueId}: spf={Spf} dkim={Dkim} arc={Arc} dmarc={Dmarc} for {FromDomain} ({Reason})")]
    private static partial void SenderAuthChecked(ILogger logger, string queueId, string spf, string dkim, string arc, string dmarc, string fromDomain, string reason);

    [LoggerMessage(EventCatalogue.DmarcRejected, LogLevel.Information, "{QueueId}: refused by the DMARC policy of {FromDomain} (session {Session})")]
    private static partial void DmarcRejected(ILogger logger, string queueId, string fromDomain, string session);

    [LoggerMessage(EventCatalogue.DmarcQuarantined, LogLevel.Information, "{QueueId}: quarantined by the DMARC policy of {FromDomain} (p={Policy})")]
    private static partial void DmarcQuarantined(ILogger logger, string queueId, string fromDomain, string policy);

    [LoggerMessage(EventCatalogue.ForgedAuthResultsRemoved, LogLevel.Warning, "{QueueId}: removed {Count} incoming Authentication-Results field(s) claiming our id {AuthservId}")]
    private static partial void ForgedAuthResultsRemoved(ILogger logger, string queueId, int count, string authservId);

    [LoggerMessage(EventCatalogue.SenderAuthUnreadable, LogLevel.Information, "{QueueId}: message cannot be parsed for DKIM/DMARC: {Why}")]
    private static partial void SenderAuthUnreadable(ILogger logger, string queueId, string why);

    [LoggerMessage(EventCatalogue.DmarcOverriddenByArc, LogLevel.Information, "{QueueId}: DMARC fail of {FromDomain} not acted on: ARC sealed by trusted forwarder {Sealer}")]
    private static partial void DmarcOverriddenByArc(ILogger logger, string queueId, string fromDomain, string sealer);
}
