using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Rampart.Delivery.Tests.TlsPolicies.MtaSts;

/// <summary>What the policy host answers for one host name.</summary>
/// <summary>What the policy host answers for one host name; <c>CutAfter</c>: the connection is reset after that many bytes of the body.</summary>
internal sealed record PolicyAnswer(string Body, int Status = 200, string ContentType = "text/plain; charset=utf-8", string? Location = null, int? CutAfter = null);

/// <summary>
/// The HTTPS policy hosts (mta-sts.DOMAIN) as Kestrel in the test process on 127.0.0.1:443, the port RFC 8461 §3.3
/// fixes (the tests run as root). One listener for every domain: the answer is chosen by the Host header.
/// </summary>
internal sealed class PolicyHost : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, int> requests = new(StringComparer.OrdinalIgnoreCase);

    private PolicyHost(WebApplication app) => this.app = app;

    public ConcurrentDictionary<string, PolicyAnswer> Answers { get; } = new(StringComparer.OrdinalIgnoreCase);

    public int RequestsFor(string host) => requests.TryGetValue(host, out var n) ? n : 0;

    public static async Task<PolicyHost> StartAsync(X509Certificate2 certificate)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 443, l => l.UseHttps(certificate)));
        var app = builder.Build();
        var host = new PolicyHost(app);
        app.Run(host.AnswerAsync);
        try
        {
            await app.StartAsync();
        }
        catch (IOException ex) when (ex.InnerException is SocketException or null)
        {
            await app.DisposeAsync();
            throw new InvalidOperationException(
                "127.0.0.1:443 is taken (or this process may not bind it): the MTA-STS tests need it, since RFC 8461 §3.3 fixes the policy host's port. " + ex.Message, ex);
        }
        return host;
    }

    private async Task AnswerAsync(HttpContext context)
    {
        var name = context.Request.Host.Host;
        requests.AddOrUpdate(name, 1, (_, n) => n + 1);
        if (context.Request.Path != "/.well-known/mta-sts.txt" || !Answers.TryGetValue(name, out var answer))
        {
            context.Response.StatusCode = 404;
            return;
        }
        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = answer.ContentType;
        if (answer.Location is { } location) context.Response.Headers.Location = location;
        if (answer.CutAfter is { } cut)
        {
            // The whole length announced, part of it sent, then the connection dropped: a body cut short.
            var body = System.Text.Encoding.ASCII.GetBytes(answer.Body);
            context.Response.ContentLength = body.Length;
            await context.Response.Body.WriteAsync(body.AsMemory(0, cut));
            await context.Response.Body.FlushAsync();
            context.Abort();
            return;
        }
        await context.Response.WriteAsync(answer.Body);
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}
