using Harmonia.Caching;

namespace Harmonia.Api.Http;

/// <summary>
/// The <c>Cache-Status</c> response header (RFC 9211) on cached reads, so anyone with curl can see how a response was
/// served: <c>Harmonia; hit; detail=memory</c> (L1), <c>Harmonia; hit; detail=redis</c> (L2),
/// <c>Harmonia; fwd=miss; stored</c> (read from MongoDB and cached) or <c>Harmonia; fwd=stale; detail=fail-safe</c>
/// (MongoDB failed or was slow, so the expired value was served). It describes the endpoint's own read, not the
/// session check every signed-in request makes before it. Only successful responses carry it: on a 404 it would tell
/// whether someone else's song exists (a hit) or not (a miss), where the 404 must read exactly as for an unknown id.
/// </summary>
public static class CacheStatusHeader
{
    public const string Name = "Cache-Status";

    /// <summary>Adds the header to the endpoint's successful (2xx) responses whenever its handler read the cache.</summary>
    public static RouteHandlerBuilder WithCacheStatus(this RouteHandlerBuilder endpoint) =>
        endpoint.AddEndpointFilter(async (context, next) =>
        {
            using var reads = CacheReadScope.Begin();
            var result = await next(context);
            if (reads.Result is { } outcome && IsSuccess(result))
            {
                context.HttpContext.Response.Headers[Name] = Value(outcome);
            }

            return result;
        });

    private static bool IsSuccess(object? result) =>
        (result is INestedHttpResult union ? union.Result : result) is IStatusCodeHttpResult { StatusCode: >= 200 and < 300 };

    public static string Value(CacheResult result) =>
        result == CacheResult.LocalHit ? "Harmonia; hit; detail=memory"
        : result == CacheResult.DistributedHit ? "Harmonia; hit; detail=redis"
        : result == CacheResult.Stale ? "Harmonia; fwd=stale; detail=fail-safe"
        : "Harmonia; fwd=miss; stored";
}
