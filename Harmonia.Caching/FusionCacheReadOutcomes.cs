using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ZiggyCreatures.Caching.Fusion;

namespace Harmonia.Caching;

/// <summary>
/// Tells how each read of an area's key was answered, from FusionCache's events, to <see cref="CacheMetrics"/> and to
/// the <see cref="CacheReadScope"/> of the request that made the read. Each read raises exactly one of: a valid L1 hit,
/// a valid L2 hit, a miss (the factory read MongoDB) or a stale answer (fail-safe served an expired value after the
/// factory failed or timed out). Level events for expired entries are not counted. The overall hit event is not
/// subscribed: FusionCache builds its arguments only for subscribers, and on every hit that cost more than the level
/// event that already tells it; the stale answers it would flag are exactly the fail-safe activations and synthetic
/// timeouts.
/// </summary>
/// <remarks>
/// The handlers run synchronously on the reading call (<c>EnableSyncEventHandlersExecution</c>), so the outcome is
/// known before the response is written and belongs to the request's own async flow. They only count and note, so
/// they add nothing a caller could wait on.
/// </remarks>
internal static class FusionCacheReadOutcomes
{
    /// <summary>Attached as the cache is built, so the handlers live exactly as long as the cache.</summary>
    public static void Attach(IServiceProvider services, IFusionCache cache)
    {
        var areas = services.GetRequiredService<IOptions<CacheAreaRegistry>>().Value;
        var metrics = services.GetRequiredService<CacheMetrics>();

        void Record(string key, CacheResult result)
        {
            if (areas.AreaOf(key) is { } area)
            {
                metrics.Request(area, result);
                CacheReadScope.Record(result);
            }
        }

        cache.Events.Memory.Hit += (_, e) =>
        {
            if (!e.IsStale)
            {
                Record(e.Key, CacheResult.LocalHit);
            }
        };
        cache.Events.Distributed.Hit += (_, e) =>
        {
            if (!e.IsStale)
            {
                Record(e.Key, CacheResult.DistributedHit);
            }
        };
        cache.Events.FailSafeActivate += (_, e) => Record(e.Key, CacheResult.Stale);
        cache.Events.FactorySyntheticTimeout += (_, e) => Record(e.Key, CacheResult.Stale);
        cache.Events.Miss += (_, e) => Record(e.Key, CacheResult.Miss);
    }
}
