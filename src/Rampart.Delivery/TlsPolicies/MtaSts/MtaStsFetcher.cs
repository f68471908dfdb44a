using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Rampart.Dns;
using Rampart.Mail;

namespace Rampart.Delivery.TlsPolicies.MtaSts;

/// <summary>
/// Fetches https://mta-sts.DOMAIN/.well-known/mta-sts.txt as RFC 8461 §3.3 says: a valid certificate for that
/// name (PKIX, the configured roots or the system's), no redirects, status 200, media type text/plain, a size cap
/// and a timeout. The host name is resolved through the gateway's DNS service, never the system resolver, so the
/// policy comes from the same view of DNS as the MX records it constrains.
/// </summary>
internal sealed class MtaStsFetcher : IDisposable
{
    private readonly MtaStsOptions options;
    private readonly IDnsResolver dns;
    private readonly TimeProvider clock;
    private readonly HttpClient http;

    public MtaStsFetcher(MtaStsOptions options, IDnsResolver dns, TimeProvider clock)
    {
        this.options = options;
        this.dns = dns;
        this.clock = clock;
        // The policy host is whoever the recipient domain names: its certificate must not make the gateway download
        // anything (OfflineChainPolicy), which the platform's default chain policy would.
        var ssl = new SslClientAuthenticationOptions
        {
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            CertificateChainPolicy = OfflineChainPolicy.Create(options.TrustedRoots),
        };
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,             // §3.3: "HTTP 3xx redirects MUST NOT be followed"
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false,
            UseCookies = false,
            MaxResponseHeadersLength = 16,          // KiB: a policy host has no reason to send more
            ConnectCallback = ConnectAsync,
            SslOptions = ssl,
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
        };
        http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The policy, or null with the reason it was refused or could not be fetched.</summary>
    public async Task<MtaStsPolicy?> FetchAsync(string domain, CancellationToken ct)
    {
        var host = "mta-sts." + domain;
        var url = new Uri($"https://{host}:{options.HttpsPort}/.well-known/mta-sts.txt");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var timer = clock.CreateTimer(_ => deadline.Cancel(), null, options.FetchTimeout, Timeout.InfiniteTimeSpan);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            if ((int)response.StatusCode is >= 300 and < 400) throw new MtaStsFetchException($"{url} redirects ({(int)response.StatusCode}); RFC 8461 §3.3 forbids following it");
            if (response.StatusCode != HttpStatusCode.OK) throw new MtaStsFetchException($"{url} answered {(int)response.StatusCode}");
            if (response.Content.Headers.ContentType is not { MediaType: var media } || !"text/plain".Equals(media, StringComparison.OrdinalIgnoreCase))
            {
                throw new MtaStsFetchException($"{url} is of media type '{response.Content.Headers.ContentType?.MediaType}', not text/plain");
            }
            var text = await ReadCappedAsync(response.Content, url, deadline.Token);
            return MtaStsPolicyParser.Parse(text, out var error) ?? throw new MtaStsFetchException($"{url}: {error}");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new MtaStsFetchException($"{url} did not answer within {options.FetchTimeout.TotalSeconds:0.#} s");
        }
        catch (Exception ex) when (ex is not MtaStsFetchException and not OperationCanceledException)
        {
            // HttpRequestException, and an IOException (HttpIOException) from a body cut short: any failure of the
            // policy host is a failed fetch, so the cached policy applies (§5).
            throw new MtaStsFetchException($"{url}: {Describe(ex)}");
        }
    }

    private async Task<string> ReadCappedAsync(HttpContent content, Uri url, CancellationToken ct)
    {
        if (content.Headers.ContentLength > options.MaxPolicySize) throw new MtaStsFetchException($"{url} is {content.Headers.ContentLength} bytes, over the {options.MaxPolicySize}-byte cap");
        await using var body = await content.ReadAsStreamAsync(ct);
        return await BoundedRead.ReadAsync(body, options.MaxPolicySize, (bytes, more) =>
        {
            if (more) throw new MtaStsFetchException($"{url} is over the {options.MaxPolicySize}-byte cap");
            try
            {
                return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                throw new MtaStsFetchException($"{url} is not valid text");
            }
        }, ct);
    }

    /// <summary>The inner reason (certificate, refused connection) says more than "an error occurred while sending".</summary>
    private static string Describe(Exception ex)
    {
        var parts = new List<string>();
        for (var e = (Exception?)ex; e is not null; e = e.InnerException) parts.Add(e.Message);
        return string.Join(": ", parts.Distinct());
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = new List<IPAddress>();
        foreach (var family in new[] { AddressFamily.InterNetwork, AddressFamily.InterNetworkV6 })
        {
            var answer = await dns.AddressesAsync(host, family, ct);
            addresses.AddRange(answer.Records);
        }
        if (addresses.Count == 0) throw new HttpRequestException($"{host} has no address in DNS");
        Exception? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
        }
        throw new HttpRequestException($"connect to {host} failed: {last!.Message}", last);
    }

    public void Dispose() => http.Dispose();
}

/// <summary>Why no policy came from the policy host: logged, and the cached policy (if any) is used instead (§5).</summary>
internal sealed class MtaStsFetchException(string message) : Exception(message);
