using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Rampart.Configuration;
using Rampart.Mail;
using Rampart.Smtp.Transport;

namespace Rampart.Admin;

/// <summary>
/// The admin listener: ASP.NET Core minimal APIs on Kestrel, its own socket (loopback by default). Everything under
/// /api/ needs the bearer token and is audited; the OpenAPI document, /metrics and /health/* are open so that a
/// load balancer or Prometheus need no secret. Each feature maps its routes in its own <c>XxxEndpoints</c> class.
/// </summary>
public sealed partial class AdminServer : IAsyncDisposable
{
    // An operator's API, not a public web server: small requests, few clients.
    private const long MaxRequestBody = 1024 * 1024;
    private const int MaxConnections = 64;

    /// <summary>
    /// The slots are shared by /api, /health and /metrics and need no token to take: an idle connection (Kestrel's
    /// default keep-alive is 130 s) or one dribbling its headers is cut after 10 s, so holding all 64 takes constant
    /// effort rather than 64 sockets opened once. A load balancer, Prometheus or the CLI sends its request at once.
    /// No per-client cap: on the loopback default every local user is 127.0.0.1.
    /// </summary>
    internal static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(10);

    private readonly WebApplication app;

    private AdminServer(WebApplication app, IPEndPoint endPoint)
    {
        this.app = app;
        EndPoint = endPoint;
    }

    /// <summary>Where it listens: the configured endpoint with the port the kernel gave when it was 0.</summary>
    public IPEndPoint EndPoint { get; }

    public static AdminServer Start(AdminOptions options, Gateway.Gateway gateway, ILoggerFactory loggers)
    {
        var log = loggers.CreateLogger("Rampart.Admin");
        var token = AdminToken.LoadOrCreate(options.TokenFile, out var created);
        if (created) AdminTokenCreated(log, options.TokenFile);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "Rampart", ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new ForwardingLoggerProvider(loggers));
        // Kestrel's and routing's own chatter (a line per request) is not the administrator's business; the audit line is.
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(options.EndPoint);
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = MaxRequestBody;
            k.Limits.MaxConcurrentConnections = MaxConnections;
            k.Limits.KeepAliveTimeout = IdleTimeout;
            k.Limits.RequestHeadersTimeout = IdleTimeout;
        });
        builder.Services.AddSingleton(token);
        builder.Services.AddSingleton(gateway);
        builder.Services.ConfigureHttpJsonOptions(o => AdminJson.Configure(o.SerializerOptions));
        builder.Services.AddProblemDetails();
        HealthEndpoints.AddServices(builder.Services, gateway, loggers);
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Rampart admin API";
            document.Info.Version = VersionText.Current;
            document.Info.Description = "Every /api/ call needs `Authorization: Bearer TOKEN`, the token being the content of admin.token in the data folder.";
            return Task.CompletedTask;
        }));

        var app = builder.Build();
        app.UseMiddleware<AdminAudit>();
        app.UseMiddleware<AdminTokenGate>();
        app.MapOpenApi();
        HealthEndpoints.Map(app, gateway);
        var api = app.MapGroup("/api");
        MapAll(api, gateway);
        api.MapFallback(() => Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "no such admin route")).ExcludeFromDescription();

        try
        {
            app.StartAsync().GetAwaiter().GetResult();
        }
        catch (IOException ex)
        {
            app.DisposeAsync().AsTask().GetAwaiter().GetResult();
            var socket = FindSocketError(ex) ?? new SocketException((int)SocketError.SocketError);
            throw new ListenerStartException("admin", options.EndPoint, socket);
        }
        var bound = BoundEndPoint(app, options.EndPoint);
        AdminListening(log, bound.ToString());
        return new AdminServer(app, bound);
    }

    /// <summary>Each feature's routes: one line per feature, its class beside this one.</summary>
    private static void MapAll(RouteGroupBuilder api, Gateway.Gateway gateway)
    {
        SystemEndpoints.Map(api, gateway);
        TrackingEndpoints.Map(api, gateway);
        QueueEndpoints.Map(api, gateway);
        QuarantineEndpoints.Map(api, gateway);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private static IPEndPoint BoundEndPoint(WebApplication app, IPEndPoint configured)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        foreach (var address in addresses)
        {
            if (Uri.TryCreate(address, UriKind.Absolute, out var uri)) return new IPEndPoint(configured.Address, uri.Port);
        }
        return configured;
    }

    private static SocketException? FindSocketError(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is SocketException socket) return socket;
            if (ex.GetType().Name == "AddressInUseException") return new SocketException((int)SocketError.AddressAlreadyInUse);
        }
        return null;
    }

    [LoggerMessage(EventCatalogue.AdminListening, LogLevel.Information, "Admin API listening on http://{EndPoint}/api/ (metrics and health beside it)")]
    private static partial void AdminListening(ILogger logger, string endPoint);

    [LoggerMessage(EventCatalogue.AdminTokenCreated, LogLevel.Information, "Admin API token created in {Path} (readable by this user alone)")]
    private static partial void AdminTokenCreated(ILogger logger, string path);

    /// <summary>ASP.NET Core's loggers write through the gateway's own factory: one format, one filter, one place.</summary>
    private sealed class ForwardingLoggerProvider(ILoggerFactory target) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => target.CreateLogger(categoryName);

        public void Dispose()
        {
        }
    }
}
