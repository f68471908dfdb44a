using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Rampart.Commands;
using Rampart.QueueAdmin;

namespace Rampart.Admin;

/// <summary>How the admin API and the CLI's <c>--json</c> write objects: snake_case like the configuration file.</summary>
/// <remarks>
/// Every type they write or read is listed in <see cref="AdminJsonContext"/>, whose code the compiler generates: the
/// installed build is compiled ahead of time (scripts/publish.sh), where serialization by reflection does not exist.
/// The project turns reflection off in every build (JsonSerializerIsReflectionEnabledByDefault), so a type missing from
/// the list fails the tests too, not only the installed program.
/// </remarks>
public static class AdminJson
{
    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DictionaryKeyPolicy = null;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        // First, before ASP.NET Core's own (problem details, OpenAPI): the API's answers are ours.
        options.TypeInfoResolverChain.Insert(0, AdminJsonContext.Default);
        return options;
    }

    public static JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(SystemEndpoints.VersionView))]
[JsonSerializable(typeof(SystemEndpoints.ConfigView))]
[JsonSerializable(typeof(SystemEndpoints.ReloadView))]
[JsonSerializable(typeof(TrackingViews.SearchView))]
[JsonSerializable(typeof(TrackingViews.StatsView))]
[JsonSerializable(typeof(QueueListing))]
[JsonSerializable(typeof(QueueMessageDetail))]
[JsonSerializable(typeof(QueueActionResult))]
[JsonSerializable(typeof(IReadOnlyList<QueueActionResult>))]
[JsonSerializable(typeof(FlushResult))]
[JsonSerializable(typeof(RulesReport))]
// Query and path parameters, which the OpenAPI document describes by their JSON schema.
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(bool?))]
internal sealed partial class AdminJsonContext : JsonSerializerContext;
