using Harmonia.Api.Auth;
using Harmonia.Caching;

namespace Harmonia.Api.Http;

/// <summary>
/// The <c>Cache-Status</c> response header (RFC 9211) on cached reads, so anyone with curl can see how a response was
/// served: <c>Harmonia; hit; detail=memory</c> (L1), <c>Harmonia; hit; detail=redis</c> (L2),
/// <c>Harmonia; fwd=miss; stored</c> (read from MongoDB and cached) or <c>Harmonia; fwd=stale; detail=fail-safe</c>
/// (MongoDB failed or was slow, so the expired value was served). It describes the endpoint's own read, not the
/// session check every signed-in request makes before it. Only successful responses carry it: on a 404 it would tell
/// whether someone else's song exists (a hit) or not (a miss), where the 404 must read exactly as for an unknown id.
/// Nor does a read of another user's entry carry it: a hit would tell that someone (its owner, say) read the entry
/// within its lifetime, and a miss that nobody did.
/// </summary>
public static class CacheStatusHeader
{
    public const string Name = "Cache-Status";

    /// <summary>Adds the header to the endpoint's successful (2xx) responses whenever its handler read the cache.</summary>
    /// <param name="ownerRouteValue">
    /// On an endpoint that reads any user's entry, the route value naming that user: only the user's own reads carry the header.
    /// </param>
    public static RouteHandlerBuilder WithCacheStatus(this RouteHandlerBuilder endpoint, string? ownerRouteValue = null) =>
        endpoint.AddEndpointFilter(async (context, next) =>
        {
            using var reads = CacheReadScope.Begin();
            var result = await next(context);
            if (reads.Result is { } outcome && IsSuccess(result) && IsCallers(context.HttpContext, ownerRouteValue))
            {
                context.HttpContext.Response.Headers[Name] = Value(outcome);
            }

            return result;
        });

    /// <summary>Ids are hexadecimal, and a route accepts either case.</summary>
    private static bool IsCallers(HttpContext context, string? ownerRouteValue) =>
        ownerRouteValue is null
        || string.Equals(context.Request.RouteValues[ownerRouteValue] as string, context.User.FindUserId(), StringComparison.OrdinalIgnoreCase);

    private static bool IsSuccess(object? result) =>
        (result is INestedHttpResult union ? union.Result : result) is IStatusCodeHttpResult { StatusCode: >= 200 and < 300 };

    public static string Value(CacheResult result) =>
        result == CacheResult.LocalHit ? "Harmonia; hit; detail=memory"
        : result == CacheResult.DistributedHit ? "Harmonia; hit; detail=redis"
        : result == CacheResult.Stale ? "Harmonia; fwd=stale; detail=fail-safe"
        : "Harmonia; fwd=miss; stored";
}
