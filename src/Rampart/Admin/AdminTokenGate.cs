using System.Security.Claims;
using Microsoft.AspNetCore.Http;

namespace Rampart.Admin;

/// <summary>
/// Every path under /api/ needs `Authorization: Bearer TOKEN`, the token file's. Checked before routing, so an unknown
/// /api/ path answers 401 to a stranger too (no probing which routes exist). ASP.NET Core's authentication stack is
/// built for schemes with issuers and cookies (and wants a data-protection key ring); one static token needs none.
/// </summary>
internal sealed class AdminTokenGate(RequestDelegate next, AdminToken token)
{
    public const string UserName = "admin-token";

    private const string Prefix = "Bearer ";

    private static readonly ClaimsPrincipal Admin = new(new ClaimsIdentity([new Claim(ClaimTypes.Name, UserName)], "Bearer"));

    public Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/api")) return next(context);
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) || !token.Matches(header[Prefix.Length..].Trim()))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"rampart\"";
            return Task.CompletedTask;
        }
        context.User = Admin;
        return next(context);
    }
}
