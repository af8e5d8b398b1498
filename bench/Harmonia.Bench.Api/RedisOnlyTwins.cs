using Harmonia.Api.Library;
using Harmonia.Api.Profiles;

namespace Harmonia.Bench.Api;

/// <summary>
/// The measured endpoints again under <c>/bench/redis-only</c>, rate-limited as shipped, reading through Redis alone
/// (no L1), so one API process serves the same read cached in both levels and in Redis only. Issue 21's goal 3
/// compares their CPU per request. Measured in two processes minutes apart, single cells of hybrid read 48–80 µs a
/// request on the same code, moving the goal's ratio between 2.1 and 3.6 from run to run (docs/benchmarks.md), so
/// bench/load.sh measures the two interleaved in this one.
/// </summary>
public static class RedisOnlyTwins
{
    public const string Prefix = "/bench/redis-only";

    private static readonly AsyncLocal<bool> Serving = new();

    /// <summary>Whether the current request is a twin's: <see cref="CacheLevelExtensions"/> then skips L1.</summary>
    public static bool IsServing => Serving.Value;

    /// <summary>Marks the twins' requests; an async delegate, so the mark ends with the request it was set for.</summary>
    public static IApplicationBuilder UseRedisOnlyTwins(this IApplicationBuilder app) =>
        app.UseWhen(
            static context => context.Request.Path.StartsWithSegments(Prefix),
            static twin => twin.Use(static async (context, next) =>
            {
                Serving.Value = true;
                await next(context);
            }));

    public static IEndpointRouteBuilder MapRedisOnlyTwins(this IEndpointRouteBuilder app)
    {
        var twins = app.MapGroup(Prefix).ExcludeFromDescription();
        twins.MapProfilesApi();
        twins.MapLibraryApi();
        return app;
    }
}
