using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Rampart.Mail;

namespace Rampart.Admin;

/// <summary>
/// Every call under /api/ leaves one log line: who (the client address and the credential's name), what (method,
/// path, query) and the answer. A refused credential is a warning: someone holds a wrong token, or is guessing.
/// </summary>
internal sealed partial class AdminAudit(RequestDelegate next, ILogger<AdminAudit> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/api"))
        {
            await next(context);
            return;
        }
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            var request = context.Request;
            var client = context.Connection.RemoteIpAddress?.ToString() ?? "-";
            var target = LogText.Escape(request.Path + request.QueryString);
            var status = context.Response.StatusCode;
            if (status == StatusCodes.Status401Unauthorized)
            {
                AdminUnauthorized(logger, client, request.Method, target);
            }
            else
            {
                AdminCall(logger, client, context.User.Identity?.Name ?? "-", request.Method, target, status,
                    (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }
    }

    [LoggerMessage(EventCatalogue.AdminCall, LogLevel.Information, "Admin call client={Client} user={User} {Method} {Target} status={Status} duration_ms={DurationMs}")]
    private static partial void AdminCall(ILogger logger, string client, string user, string method, string target, int status, long durationMs);

    [LoggerMessage(EventCatalogue.AdminUnauthorized, LogLevel.Warning, "Admin call refused client={Client} {Method} {Target}: no valid token (401)")]
    private static partial void AdminUnauthorized(ILogger logger, string client, string method, string target);
}
