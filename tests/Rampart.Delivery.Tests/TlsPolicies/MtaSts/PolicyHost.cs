using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Rampart.Delivery.Tests.TlsPolicies.MtaSts;

/// <summary>What the policy host answers for one host name.</summary>
/// <summary>What the policy host answers for one host name; <c>CutAfter</c>: the connection is reset after that many bytes of the body.</summary>
internal sealed record PolicyAnswer(string Body, int Status = 200, string ContentType = "text/plain; charset=utf-8", string? Location = null, int? CutAfter = null);

/// <summary>
/// The HTTPS policy hosts (mta-sts.DOMAIN) as Kestrel in the test process on 127.0.0.1 and a port the kernel
/// chooses (the fetcher's internal MtaStsOptions.HttpsPort is set to it; production keeps 443, RFC 8461 §3.3).
/// One listener for every domain: the answer is chosen by the Host header.
/// </summary>
internal sealed class PolicyHost : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, int> requests = new(StringComparer.OrdinalIgnoreCase);

    private PolicyHost(WebApplication app) => this.app = app;

    public ConcurrentDictionary<string, PolicyAnswer> Answers { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The port the kernel gave the listener.</summary>
    public int Port { get; private set; }

    public int RequestsFor(string host) => requests.TryGetValue(host, out var n) ? n : 0;

    public static async Task<PolicyHost> StartAsync(X509Certificate2 certificate)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // Offline: the host sends the chain it was given and never downloads a missing issuer itself (a test counts
        // such downloads), so a certificate without its intermediate reaches the client as it is.
        var context = SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true);
        var tls = new SslServerAuthenticationOptions { ServerCertificateContext = context };
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(new TlsHandshakeCallbackOptions
        {
            OnConnection = _ => ValueTask.FromResult(tls),
        })));
        var app = builder.Build();
        var host = new PolicyHost(app);
        app.Run(host.AnswerAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        host.Port = new Uri(address).Port;
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
