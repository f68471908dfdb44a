using System.Net.Http.Headers;

namespace Rampart.EndToEnd.Fixtures;

/// <summary>HTTP clients for a child gateway's admin listener, with or without the token it wrote into its data folder.</summary>
public static class AdminApi
{
    public static HttpClient Anonymous(int port) => new() { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(30) };

    public static HttpClient Authorized(int port, string dataDir)
    {
        var client = Anonymous(port);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(dataDir));
        return client;
    }

    public static string Token(string dataDir) => File.ReadAllText(Path.Combine(dataDir, "admin.token")).Trim();
}
