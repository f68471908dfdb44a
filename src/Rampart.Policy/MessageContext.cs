using MimeKit;
using Rampart.Mail;
using Rampart.Policy.Attachments;
using Rampart.Policy.Rules.Actions;

namespace Rampart.Policy;

/// <summary>
/// What a message filter sees: the envelope, and the content, read from the spool (never held in memory). A filter
/// that changes the message (one that strips an attachment) replaces the content; later filters and the queue see
/// the new one. The MIME parse the filters share (<see cref="ParsedAsync"/>) keeps streams open until the context
/// is disposed.
/// </summary>
public sealed class MessageContext(SessionFacts session, string queueId, Sender sender, IReadOnlyList<Recipient> recipients,
    IMessageContent content) : IAsyncDisposable
{
    /// <summary>
    /// The MIME depth of the shared parse unless a filter asks for more: deeper than any real message (the URL lists,
    /// the built-in rules and sender_auth all judge with it), and one past the attachment filter's default limit (32),
    /// so that its walker, which reads this parse too, sees nesting past that limit as nesting, not as a leaf.
    /// </summary>
    public const int MaxMimeDepth = 33;

    private Task<MimeKit.HeaderList?>? headers;
    // Start: where the parse's bytes begin in the current content (our fields above it are not in the parse); it
    // moves down when a field is put on top of a kept parse.
    private (long MaxHeaderSize, int Depth, Task<MimeMessage> Message, long Start)? parsed;
    // Every stream a parse was made from: a persistent parse reads its parts from it, and a filter may still hold a
    // dropped parse while it writes the replacement, so they are closed only with the context.
    private readonly List<Stream> parsedFrom = [];

    private readonly IReadOnlyList<Recipient> client = recipients;
    private IReadOnlyList<Recipient> current = recipients;

    public SessionFacts Session => session;
    public string QueueId => queueId;
    public Sender Sender => sender;

    /// <summary>The recipients as they are now: the client's, unless a filter redirected or added some. The queue commits these.</summary>
    public IReadOnlyList<Recipient> Recipients => current;

    /// <summary>The recipients the client gave (RCPT TO), whatever the filters did since: what the transaction's log line names.</summary>
    public IReadOnlyList<Recipient> ClientRecipients => client;

    /// <summary>
    /// The named route every recipient of this message takes instead of the routing table's choice; null: the table
    /// decides. Stored in the queued envelope, so a restart keeps it.
    /// </summary>
    public string? Route { get; private set; }

    /// <summary>
    /// The listener's limits.max_message_size: a filter that makes the message bigger (a disclaimer) does not make it
    /// bigger than the listener would have accepted from a client.
    /// </summary>
    public long MaxMessageSize { get; init; } = long.MaxValue;

    /// <summary>
    /// The listener's limits.max_header_size, which bounds every header section a filter that parses the message on
    /// its own (the disclaimer) lets MimeKit read, as <see cref="ParsedAsync"/> is bounded by the filters' own copy of
    /// it. Its default is the listener's default (256 KiB), so a context made without it is still bounded.
    /// </summary>
    public long MaxHeaderSize { get; init; } = 256 * 1024;

    /// <summary>
    /// Replaces every recipient with <paramref name="targets"/> (duplicates among them dropped, see
    /// <see cref="RecipientChanges"/>). A target with no DSN parameters of its own inherits the sender's: with one
    /// recipient before, its NOTIFY without SUCCESS (a success notice would name where the mail went) and its ORCPT (or, when it gave none, its address as "rfc822;"), so a bounce still
    /// names the address the sender wrote (RFC 3461 §4.2). With several, there is no single original to name: NOTIFY
    /// is kept only when they all asked the same, ORCPT is left out.
    /// </summary>
    public void RedirectTo(IReadOnlyList<Recipient> targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        if (targets.Count == 0) throw new ArgumentException("a redirect needs at least one recipient", nameof(targets));
        current = RecipientChanges.Redirect(current, targets, sender.SmtpUtf8);
    }

    /// <summary>
    /// Adds <paramref name="added"/> after the current recipients; an address already there (compared as
    /// <see cref="RecipientChanges.SameAddress"/> says) is not added twice. A recipient added with no NOTIFY gets
    /// NOTIFY=NEVER: the sender does not know about a blind copy or a journal, and a bounce would tell them.
    /// A non-ASCII address, here or in <see cref="RedirectTo"/>, is refused (ArgumentException) unless the sender's
    /// MAIL FROM had SMTPUTF8.
    /// </summary>
    public void AddRecipients(IReadOnlyList<Recipient> added)
    {
        ArgumentNullException.ThrowIfNull(added);
        current = RecipientChanges.Add(current, added, sender.SmtpUtf8);
    }

    /// <summary>Sends every recipient through the named route (routes: in the configuration), whatever the routing table says.</summary>
    public void RouteThrough(string routeName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(routeName);
        Route = routeName;
    }

    /// <summary>Content size in bytes, after any replacement.</summary>
    public long Size => content.Length;

    /// <summary>The length of what <see cref="OpenClientContent"/> reads: what scanners are sent.</summary>
    public long ClientSize => content.Length - content.OwnTraceLength;

    /// <summary>A new read-only, seekable stream over the current content; the caller disposes it.</summary>
    public Stream OpenContent() => content.Open(0);

    /// <summary>
    /// The same, without the Received field this gateway put on top, when its exact length is known (the session
    /// records it; a rewrite forgets it): what the client sent, for scanners and content hashes.
    /// </summary>
    public Stream OpenClientContent() => content.Open(content.OwnTraceLength);

    /// <summary>
    /// The length of the fields this gateway put on top (its Received field, then any Authentication-Results above
    /// it), which the client's header-section limit (limits.max_header_size) must not count: the framer measured the
    /// client's header without them. Unlike <see cref="OpenClientContent"/>'s skip, it survives a rewrite that adds
    /// a field on top (<see cref="AddFieldOnTopAsync"/>).
    /// </summary>
    public long OwnFieldsLength => content.OwnFieldsLength;

    /// <summary>
    /// Whether the current content holds a byte >= 0x80, when the receiving side already knows (the framer's count, or
    /// the scan after a rewrite); null: unknown, the caller reads the content.
    /// </summary>
    public bool? KnownEightBit => content.EightBit;

    /// <summary>
    /// The author fields (From and Sender, RFC 5322 §3.6.2) of the header block, in their order, read once however
    /// many filters ask; null when the block cannot be parsed (each filter decides what a malformed header means for
    /// it). Only these are kept: the whole block, up to limits.max_header_size of tiny fields, is tens of thousands of
    /// objects that would stay alive while the attachment filter parses the message again.
    /// </summary>
    public Task<MimeKit.HeaderList?> AuthorFieldsAsync(CancellationToken ct) => headers ??= LoadAuthorFieldsAsync(ct);

    /// <summary>How many times the content was parsed by <see cref="ParsedAsync"/> (once per content, unless a filter asks with another limit).</summary>
    public int Parses { get; private set; }

    /// <summary>
    /// The message as the client sent it (<see cref="OpenClientContent"/>), parsed once for every filter that asks
    /// (review13 D1) and kept until the content is replaced. Bounded as each filter used to bound its own parse:
    /// every header section is measured against <paramref name="maxHeaderSize"/> (limits.max_header_size; our
    /// own fields on top not counted) before MimeKit reads it, MIME depth <see cref="MaxMimeDepth"/>, and the parse is
    /// persistent, so the parts stay on the spool file. Past a bound it throws <see cref="InspectionLimitException"/>
    /// (or MimeKit's <see cref="FormatException"/>), to every filter that asks, each deciding what that means for it.
    /// Our own fields may be in its header (when the length of our Received field is unknown) or not: no filter that
    /// parses judges them. Asked with another limit, or for a <paramref name="mimeDepth"/> deeper than the kept parse's,
    /// the message is parsed again (and that parse kept). A parse deeper than asked serves: a filter that walks the
    /// tree bounds its own recursion (the attachment filter's walker does). The filters read the parse and do not
    /// change it; one that changes a part (the attachment filter's strip) replaces the content right after, which
    /// drops it.
    /// </summary>
    public Task<MimeMessage> ParsedAsync(long maxHeaderSize, CancellationToken ct, int mimeDepth = MaxMimeDepth)
    {
        if (parsed is { } p && p.MaxHeaderSize == maxHeaderSize && p.Depth >= mimeDepth) return p.Message;
        var start = content.OwnTraceLength;
        var depth = Math.Max(mimeDepth, MaxMimeDepth);
        var message = ParseAsync(maxHeaderSize, depth, ct);
        parsed = (maxHeaderSize, depth, message, start);
        return message;
    }

    /// <summary>
    /// Where the bytes of the shared parse (<see cref="ParsedAsync"/>, the last one made) begin in the current
    /// content: the fields above are ours and not in the parse. Whatever parsed earlier and whatever was put on top
    /// since, a filter that writes the parse back out copies exactly these bytes above it (review D1: a count derived
    /// from <see cref="ClientSize"/> is 0 after a rewrite, while a kept parse may still lack our fields).
    /// </summary>
    public long ParseStart => parsed?.Start ?? content.OwnTraceLength;

    private async Task<MimeMessage> ParseAsync(long maxHeaderSize, int depth, CancellationToken ct)
    {
        Parses++;
        // MimeKit reads in 4 KiB blocks and the spool file has no buffer of its own (each read is an asynchronous
        // file read); content still in memory needs none (a 64 KiB buffer per message was a quarter of the bytes the
        // gateway allocated).
        var opened = OpenClientContent();
        var stream = opened is MemoryStream ? opened : new BufferedStream(opened, 64 * 1024);
        parsedFrom.Add(stream);
        // Our fields still above what OpenClientContent skips (none before any rewrite) are not the client's: the
        // framer did not count them.
        return await HeaderSectionGuard.ParseAsync(stream, maxHeaderSize, OwnFieldsLength - content.OwnTraceLength, depth, persistent: true, ct);
    }

    /// <summary>
    /// Replaces the content with what <paramref name="write"/> produces. The old content stays readable while it
    /// runs, so a message parsed from it may be written back out with changes.
    /// </summary>
    public async Task ReplaceContentAsync(Func<Stream, CancellationToken, Task> write, CancellationToken ct)
    {
        await content.ReplaceAsync(write, 0, ct);
        headers = null;
        parsed = null;
    }

    /// <summary>
    /// The same, for a rewrite that copies our own fields on top (Received, Authentication-Results) first and
    /// unchanged (<paramref name="ownFieldsCopied"/>): <see cref="OwnFieldsLength"/> is kept, so the filters after it
    /// (header hygiene) still know our Received. The copy is checked byte for byte; a rewrite that changed them
    /// forgets them, as <see cref="ReplaceContentAsync(Func{Stream, CancellationToken, Task}, CancellationToken)"/> does.
    /// </summary>
    public async Task ReplaceContentAsync(Func<Stream, CancellationToken, Task> write, bool ownFieldsCopied, CancellationToken ct)
    {
        var own = new byte[ownFieldsCopied ? content.OwnFieldsLength : 0];
        await using (var old = content.Open(0)) await old.ReadExactlyAsync(own, ct);
        await content.ReplaceAsync(write, own.Length, ct);
        headers = null;
        parsed = null;
        if (own.Length == 0) return;
        var now = new byte[own.Length];
        int read;
        await using (var current = content.Open(0)) read = await current.ReadAtLeastAsync(now, now.Length, throwOnEndOfStream: false, ct);
        if (read == own.Length && now.AsSpan().SequenceEqual(own)) return;
        await content.ReplaceAsync(async (target, token) =>
        {
            await using var current = content.Open(0);
            await current.CopyToAsync(target, token);
        }, 0, ct);
    }

    /// <summary>
    /// The same, for a rewrite that puts <paramref name="added"/> bytes of our own on top and copies the current
    /// content's own fields unchanged below them (other fields may go): <see cref="OwnFieldsLength"/> grows by it.
    /// When the content grew by exactly <paramref name="added"/>, no field went, so the client's bytes below ours are
    /// the ones already parsed and <see cref="ParsedAsync"/> keeps its parse (it reads the replaced file, which stays
    /// open; the bytes are the same); when a field went (a forged Authentication-Results), the message is parsed again.
    /// </summary>
    public async Task AddFieldOnTopAsync(Func<Stream, CancellationToken, Task> write, long added, CancellationToken ct)
    {
        var before = content.Length;
        await content.ReplaceAsync(write, content.OwnFieldsLength + added, ct);
        headers = null;
        if (content.Length != before + added) parsed = null;
        else if (parsed is { } p) parsed = p with { Start = p.Start + added };
    }

    /// <summary>
    /// Replaces the content with a rewrite of its header section that changes fields below the top (the client's, or
    /// ours in place), keeping our fields on top, now <paramref name="ownFieldsLength"/> bytes long. The shared parse
    /// is always dropped: a length comparison cannot tell a rewrite that removed as many bytes as it added (review D2).
    /// </summary>
    public async Task RewriteHeaderAsync(Func<Stream, CancellationToken, Task> write, long ownFieldsLength, CancellationToken ct)
    {
        await content.ReplaceAsync(write, ownFieldsLength, ct);
        headers = null;
        parsed = null;
    }

    public async ValueTask DisposeAsync()
    {
        parsed = null;
        foreach (var stream in parsedFrom) await stream.DisposeAsync();
        parsedFrom.Clear();
    }

    private async Task<MimeKit.HeaderList?> LoadAuthorFieldsAsync(CancellationToken ct)
    {
        await using var stream = OpenContent();
        try
        {
            var all = await MimeKit.HeaderList.LoadAsync(stream, ct);
            var kept = new MimeKit.HeaderList();
            // Clones: a field still in the full list is tied to it by its change handler, which would keep it alive.
            foreach (var field in all.Where(h => h.Id is MimeKit.HeaderId.From or MimeKit.HeaderId.Sender)) kept.Add(field.Clone());
            return kept;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

/// <summary>Where a message's content lives while filters judge it: the spool file being received, or a quarantined copy.</summary>
public interface IMessageContent
{
    long Length { get; }

    /// <summary>The length of our own Received field at the start; 0 once the content has been replaced, or when unknown.</summary>
    long OwnTraceLength => 0;

    /// <summary>The length of all our fields at the start (<see cref="MessageContext.OwnFieldsLength"/>).</summary>
    long OwnFieldsLength => OwnTraceLength;

    /// <summary>Whether the content holds a byte >= 0x80, when known without reading it (the framer counted); null: unknown.</summary>
    bool? EightBit => null;

    /// <summary>A read-only, seekable stream over the content from byte <paramref name="skip"/> to its end.</summary>
    Stream Open(long skip);

    /// <summary>Replaces the content; <paramref name="ownFieldsLength"/> is the new <see cref="OwnFieldsLength"/>.</summary>
    Task ReplaceAsync(Func<Stream, CancellationToken, Task> write, long ownFieldsLength, CancellationToken ct);
}

/// <summary>Content held in memory: for messages the gateway composes itself, and for filter tests.</summary>
public sealed class MemoryMessageContent(byte[] bytes) : IMessageContent
{
    public byte[] Bytes { get; private set; } = bytes;

    public long Length => Bytes.Length;

    public long OwnFieldsLength { get; private set; }

    public Stream Open(long skip) => new MemoryStream(Bytes, (int)skip, Bytes.Length - (int)skip, writable: false);

    public async Task ReplaceAsync(Func<Stream, CancellationToken, Task> write, long ownFieldsLength, CancellationToken ct)
    {
        using var output = new MemoryStream();
        await write(output, ct);
        Bytes = output.ToArray();
        OwnFieldsLength = ownFieldsLength;
    }
}
