using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Rampart.Admin;

/// <summary>
/// The query parameters a route knows, each at most once: an unknown one is refused (400) rather than ignored, so a
/// misspelt filter never widens what a call acts on (`POST /api/queue/flush?destinaton=x` would flush everything).
/// The queue, quarantine and tracking routes all read their queries through it.
/// </summary>
internal static class QueryParameters
{
    /// <summary>More than this many characters of query string is no request anyone meant.</summary>
    public const int MaxQueryString = 8192;

    /// <summary>Why the query is refused, or null when every parameter is one of <paramref name="names"/>, given once.</summary>
    public static string? Problem(HttpRequest request, IReadOnlyCollection<string> names)
    {
        if (request.QueryString.Value is { Length: > MaxQueryString }) return $"the query string is over {MaxQueryString} characters";
        foreach (var (key, value) in request.Query)
        {
            if (!names.Contains(key, StringComparer.Ordinal))
            {
                var known = names.Count == 0 ? "this route takes none" : "known: " + string.Join(", ", names);
                return $"unknown parameter '{QueueAdmin.QueueFilter.Clip(key)}' ({known})";
            }
            if (value.Count != 1) return $"parameter '{key}' given {(value.Count == 2 ? "twice" : $"{value.Count} times")}";
        }
        return null;
    }

    /// <summary>The value of a parameter that <see cref="Problem"/> has let through, or null when it is absent.</summary>
    public static string? Value(HttpRequest request, string name) => request.Query.TryGetValue(name, out var value) ? value[0] : null;

    /// <summary>The route refuses, before anything is done, a query with other parameters than <paramref name="names"/>.</summary>
    public static TBuilder Only<TBuilder>(this TBuilder builder, params string[] names) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) => Problem(context.HttpContext.Request, names) is { } problem
            ? Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "bad query", detail: problem)
            : await next(context));
}
