using Microsoft.Extensions.Caching.Hybrid;

namespace Harmonia.Caching;

/// <summary>
/// The one way features drop cached data after MongoDB has changed, so every invalidation is counted by area
/// and reason. With FusionCache the removal reaches every replica's L1 through the Redis backplane.
/// </summary>
public sealed class CacheInvalidator(HybridCache cache, CacheMetrics metrics)
{
    public async ValueTask RemoveAsync(string area, string key, string reason, CancellationToken cancellationToken)
    {
        await cache.RemoveAsync(key, cancellationToken);
        metrics.Invalidation(area, reason);
    }

    public async ValueTask RemoveByTagAsync(string area, string tag, string reason, CancellationToken cancellationToken)
    {
        await cache.RemoveByTagAsync(tag, cancellationToken);
        metrics.Invalidation(area, reason);
    }
}
