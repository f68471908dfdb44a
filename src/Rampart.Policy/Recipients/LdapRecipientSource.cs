using System.DirectoryServices.Protocols;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Rampart.Mail;

namespace Rampart.Policy.Recipients;

/// <summary>Where and how to ask the directory; see docs/configuration.md "recipients.ldap".</summary>
public sealed record LdapSettings
{
    public required Uri Url { get; init; }
    public required string BaseDn { get; init; }
    /// <summary>Null: an anonymous bind.</summary>
    public string? BindDn { get; init; }
    public string? Password { get; init; }
    /// <summary>An RFC 4515 filter; every "%s" becomes the escaped address.</summary>
    public string Filter { get; init; } = DefaultFilter;
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>OpenLDAP's mail attribute or Active Directory's proxyAddresses ("smtp:" matches primary and alias alike, case-insensitively).</summary>
    public const string DefaultFilter = "(|(mail=%s)(proxyAddresses=smtp:%s))";
}

/// <summary>
/// Looks recipients up in an LDAP directory (Active Directory, OpenLDAP): an address is known when the filter
/// finds at least one entry. No attributes are fetched ("1.1", RFC 4511 §4.5.1.8). A directory that cannot be
/// reached, refuses the bind or answers with an error is Unavailable, so it never causes a 550.
/// </summary>
public sealed class LdapRecipientSource(LdapSettings settings, ILogger logger, TimeProvider? time = null) : IRecipientSource
{
    public string Name => $"LDAP {settings.Url}";

    // Lookups blocked in the library at once. The library does not bound a bind to a server that accepts and
    // never answers (measured: over 20 s with a 500 ms timeout), so each wait is cut at the timeout here; the
    // abandoned thread frees itself when the library gives up. Past this many, a hung directory is not asked
    // again until some return, so it cannot eat the thread pool.
    private const int MaxBlocked = 16;
    private readonly TimeProvider clock = time ?? TimeProvider.System;
    private int blocked;

    public async ValueTask<RecipientLookup> LookupAsync(string address, CancellationToken ct)
    {
        var filter = settings.Filter.Replace("%s", Escape(address), StringComparison.Ordinal);
        if (Interlocked.Increment(ref blocked) > MaxBlocked)
        {
            Interlocked.Decrement(ref blocked);
            RecipientLog.LdapTooManyWaiting(logger, settings.Url, MaxBlocked);
            return RecipientLookup.Unavailable;
        }
        // REVIEW: one connection per lookup; answers are cached, so this is rare. The protocol library is
        // synchronous, hence the thread-pool hop.
        var search = Task.Run(() => Search(filter));
        _ = search.ContinueWith(_ => Interlocked.Decrement(ref blocked), TaskScheduler.Default);
        try
        {
            // Connect, bind and search each get the timeout inside the library; the whole is bounded here too.
            return await search.WaitAsync(settings.Timeout * 3, clock, ct);
        }
        catch (TimeoutException)
        {
            RecipientLog.LdapNoAnswer(logger, settings.Url, LogText.Escape(address), settings.Timeout * 3);
            return RecipientLookup.Unavailable;
        }
        catch (Exception ex) when (ex is LdapException or DirectoryException)
        {
            RecipientLog.LdapFailed(logger, settings.Url, LogText.Escape(address), LogText.Escape(ex.Message));
            return RecipientLookup.Unavailable;
        }
    }

    private RecipientLookup Search(string filter)
    {
        var ssl = settings.Url.Scheme.Equals("ldaps", StringComparison.OrdinalIgnoreCase);
        int port = settings.Url.IsDefaultPort || settings.Url.Port <= 0 ? (ssl ? 636 : 389) : settings.Url.Port;
        using var connection = new LdapConnection(new LdapDirectoryIdentifier(settings.Url.Host, port, fullyQualifiedDnsHostName: true, connectionless: false))
        {
            AuthType = settings.BindDn is null ? AuthType.Anonymous : AuthType.Basic,
            Timeout = settings.Timeout,
        };
        connection.SessionOptions.ProtocolVersion = 3;
        connection.SessionOptions.SecureSocketLayer = ssl;
        // Active Directory sends referrals for other partitions; following them would stall on unreachable DCs.
        connection.SessionOptions.ReferralChasing = ReferralChasingOptions.None;
        if (settings.BindDn is { } dn) connection.Bind(new NetworkCredential(dn, settings.Password));
        else connection.Bind();

        var request = new SearchRequest(settings.BaseDn, filter, SearchScope.Subtree, "1.1") { SizeLimit = 1, TimeLimit = settings.Timeout };
        try
        {
            var response = (SearchResponse)connection.SendRequest(request, settings.Timeout);
            if (response.Entries.Count > 0) return RecipientLookup.Known;
            // No entry here but references to other partitions: the address may live there. Not knowing is not
            // "unknown" — a false 550 would bounce real mail — so the directory counts as unable to answer.
            return response.References.Count > 0 ? RecipientLookup.Unavailable : RecipientLookup.Unknown;
        }
        catch (DirectoryOperationException ex) when (ex.Response.ResultCode == ResultCode.SizeLimitExceeded)
        {
            return RecipientLookup.Known; // more than one entry has the address: it exists all the same
        }
    }

    /// <summary>RFC 4515 §3: *, (, ), \ and NUL are written as \XX, so an address cannot change the filter.</summary>
    public static string Escape(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b is (byte)'*' or (byte)'(' or (byte)')' or (byte)'\\' or 0 || b >= 0x80) sb.Append('\\').Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            else sb.Append((char)b);
        }
        return sb.ToString();
    }
}
