using System.Net.Http.Headers;

namespace Harmonia.LoadGenerator;

internal static class Http
{
    /// <summary>A client that opens as many connections as requests in flight and keeps them for the whole run.</summary>
    public static HttpClient Client(Uri api) => new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
    })
    {
        BaseAddress = api,
        Timeout = TimeSpan.FromSeconds(30),
    };

    public static HttpRequestMessage Get(string path, string token) => new(HttpMethod.Get, path)
    {
        Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) },
    };
}
