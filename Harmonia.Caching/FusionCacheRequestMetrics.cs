using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ZiggyCreatures.Caching.Fusion;

namespace Harmonia.Caching;

/// <summary>
/// Feeds <see cref="CacheMetrics"/> from FusionCache's events: a memory hit is an L1 hit, a distributed hit an
/// L2 hit, and a miss at both levels (the factory reads MongoDB) a miss.
/// </summary>
internal static class FusionCacheRequestMetrics
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
            }
        }

        cache.Events.Memory.Hit += (_, e) => Record(e.Key, CacheResult.LocalHit);
        cache.Events.Distributed.Hit += (_, e) => Record(e.Key, CacheResult.DistributedHit);
        cache.Events.Miss += (_, e) => Record(e.Key, CacheResult.Miss);
    }
}
