using Microsoft.Extensions.Caching.Hybrid;

namespace Harmonia.Caching;

/// <summary>
/// The one way features drop cached data after MongoDB has changed, so every invalidation is counted by area
/// and reason. With FusionCache the removal reaches every replica's L1 through the Redis backplane. Every
/// invalidation, and every write-through reported to <see cref="WroteThrough"/>, is made again a few seconds later
/// (<see cref="InvalidationRepeats"/>). An invalidation takes no <see cref="CancellationToken"/>: it follows a change
/// MongoDB already holds, and like the change it runs to its end whether or not the caller is still there
/// (docs/resilience.md); Redis's own timeouts bound it.
/// </summary>
public sealed class CacheInvalidator(HybridCache cache, CacheMetrics metrics, InvalidationRepeats repeats)
{
    public async ValueTask RemoveAsync(string area, string key, string reason)
    {
        await cache.RemoveAsync(key);
        metrics.Invalidation(area, reason);
        repeats.Schedule(area, key, InvalidationRepeats.Change.Removed);
    }

    public async ValueTask RemoveByTagAsync(string area, string tag, string reason)
    {
        await cache.RemoveByTagAsync(tag);
        metrics.Invalidation(area, reason);
        repeats.Schedule(area, tag, InvalidationRepeats.Change.TagRemoved);
    }

    /// <summary>
    /// Notes that <paramref name="key"/> was just written through with what MongoDB now holds: a read that started
    /// before the write may still store the older value over it, so the entry is expired once that read has landed.
    /// </summary>
    public void WroteThrough(string area, string key) => repeats.Schedule(area, key, InvalidationRepeats.Change.WrittenThrough);
}
