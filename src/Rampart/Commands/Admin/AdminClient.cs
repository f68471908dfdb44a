using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using Rampart.Admin;
using Rampart.Configuration;

namespace Rampart.Commands.Admin;

/// <summary>
/// The operations verbs' way to a running gateway: its admin API, with the token from the data folder. When no
/// gateway answers there, <see cref="ConnectAsync"/> gives null and the verb works on the data folder itself.
/// </summary>
public sealed class AdminClient : IDisposable
{
    // A gateway on this host answers its loopback API at once; waiting longer only delays the offline fallback.
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan CallTimeout = TimeSpan.FromMinutes(5);

    private readonly HttpClient http;

    private AdminClient(HttpClient http) => this.http = http;

    public Uri BaseAddress => http.BaseAddress!;

    /// <summary>
    /// A client when the configured admin listener answers; null when nothing listens there (the gateway is stopped)
    /// or no <c>admin:</c> is configured. A listener that answers but refuses the token is an error, not "stopped".
    /// </summary>
    public static async Task<AdminClient?> ConnectAsync(GatewayOptions options, CancellationToken ct)
    {
        if (options.Admin is not { } admin) return null;
        var address = admin.EndPoint.Address;
        if (address.Equals(IPAddress.Any)) address = IPAddress.Loopback;
        else if (address.Equals(IPAddress.IPv6Any)) address = IPAddress.IPv6Loopback;
        var endPoint = new IPEndPoint(address, admin.EndPoint.Port);
        var http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = ConnectTimeout, UseProxy = false })
        {
            BaseAddress = new Uri($"http://{endPoint}/"),
            Timeout = CallTimeout,
        };
        // Read first, so that the probe itself carries the token: a probe without it would be audited as a refusal.
        string? tokenProblem = null;
        try
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken.Load(admin.TokenFile).Value);
        }
        catch (ConfigException ex)
        {
            tokenProblem = ex.Message;
        }
        try
        {
            using var probe = await http.GetAsync("api/version", ct);
            if (probe.StatusCode == HttpStatusCode.Unauthorized)
            {
                throw new AdminCallException($"the gateway at {endPoint} refused the call (401): {tokenProblem ?? $"the token in {admin.TokenFile} is not the one it runs with; was the file replaced while it runs?"}",
                    HttpStatusCode.Unauthorized);
            }
            probe.EnsureSuccessStatusCode();
            return new AdminClient(http);
        }
        catch (HttpRequestException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused } || ex.HttpRequestError == HttpRequestError.ConnectionError)
        {
            http.Dispose();
            return null;
        }
        catch
        {
            http.Dispose();
            throw;
        }
    }

    public async Task<T> GetAsync<T>(string path, CancellationToken ct)
    {
        using var response = await http.GetAsync(path, ct);
        return await ReadAsync<T>(response, ct);
    }

    /// <summary>A POST without a body: every change the API offers is named by its path and query.</summary>
    public async Task<T> PostAsync<T>(string path, CancellationToken ct)
    {
        using var response = await http.PostAsync(path, null, ct);
        return await ReadAsync<T>(response, ct);
    }

    public async Task<T> DeleteAsync<T>(string path, CancellationToken ct)
    {
        using var response = await http.DeleteAsync(path, ct);
        return await ReadAsync<T>(response, ct);
    }

    /// <summary>The body as <typeparamref name="T"/>; an error answer becomes an <see cref="AdminCallException"/> with its status and title.</summary>
    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken ct)
    {
        if (!response.IsSuccessStatusCode)
        {
            var (title, detail) = Problem(await response.Content.ReadAsStringAsync(ct));
            title ??= response.ReasonPhrase ?? "error";
            throw new AdminCallException($"{(int)response.StatusCode} {title}{(detail is null ? "" : $": {detail}")}", response.StatusCode, title, detail);
        }
        return (await response.Content.ReadFromJsonAsync(AdminJson.TypeInfo<T>(), ct))!;
    }

    /// <summary>The title and detail of a problem-details body (RFC 9457), when it is one.</summary>
    private static (string? Title, string? Detail) Problem(string body)
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind != System.Text.Json.JsonValueKind.Object) return (null, null);
            return (root.TryGetProperty("title", out var t) ? t.GetString() : null, root.TryGetProperty("detail", out var d) ? d.GetString() : null);
        }
        catch (System.Text.Json.JsonException)
        {
            return (null, null);
        }
    }

    public void Dispose() => http.Dispose();
}

/// <summary>
/// The admin API answered with an error (or refused the token); the message is for the administrator, the problem's
/// title and detail for a verb that maps them back to its own results.
/// </summary>
public sealed class AdminCallException(string message, HttpStatusCode? status = null, string? title = null, string? detail = null) : Exception(message)
{
    public HttpStatusCode? Status => status;

    public string? Title => title;

    public string? Detail => detail;
}
