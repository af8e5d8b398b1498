using System.Net.Http.Headers;

namespace Harmonia.LoadGenerator;

internal static class Http
{
    /// <summary>
    /// At most this many connections, as many as wrk's; requests beyond them wait in the client, their wait counted
    /// in their latency. Unbounded, a stall makes the client open a connection per request due, thousands within
    /// a second, which prolongs the stall and ends with no file descriptors left on either side.
    /// </summary>
    public const int MaximumConnections = 64;

    /// <summary>A client that keeps its connections for the whole run.</summary>
    public static HttpClient Client(Uri api) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = MaximumConnections,
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
