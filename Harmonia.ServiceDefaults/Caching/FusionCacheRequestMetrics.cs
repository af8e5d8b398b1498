using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.Events;

namespace Harmonia.ServiceDefaults.Caching;

/// <summary>
/// Feeds <see cref="CacheMetrics"/> from FusionCache's events: a memory hit is an L1 hit, a distributed hit an
/// L2 hit, and a miss at both levels (the factory reads MongoDB) a miss.
/// </summary>
internal sealed class FusionCacheRequestMetrics(IFusionCache cache, IOptions<CacheAreaRegistry> registry, CacheMetrics metrics) : IHostedService
{
    private readonly CacheAreaRegistry _areas = registry.Value;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        cache.Events.Memory.Hit += OnLocalHit;
        cache.Events.Distributed.Hit += OnDistributedHit;
        cache.Events.Miss += OnMiss;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        cache.Events.Memory.Hit -= OnLocalHit;
        cache.Events.Distributed.Hit -= OnDistributedHit;
        cache.Events.Miss -= OnMiss;
        return Task.CompletedTask;
    }

    private void OnLocalHit(object? sender, FusionCacheEntryHitEventArgs e) => Record(e.Key, CacheResult.LocalHit);

    private void OnDistributedHit(object? sender, FusionCacheEntryHitEventArgs e) => Record(e.Key, CacheResult.DistributedHit);

    private void OnMiss(object? sender, FusionCacheEntryEventArgs e) => Record(e.Key, CacheResult.Miss);

    private void Record(string key, CacheResult result)
    {
        if (_areas.AreaOf(key) is { } area)
        {
            metrics.Request(area, result);
        }
    }
}
