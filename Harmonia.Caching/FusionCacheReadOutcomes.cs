using Microsoft.Extensions.Options;
using ZiggyCreatures.Caching.Fusion;

namespace Harmonia.Caching;

/// <summary>
/// Tells how each read of an area's key was answered to <see cref="CacheMetrics"/> and to the
/// <see cref="CacheReadScope"/> of the request that made it: a valid L1 hit, a valid L2 hit, a miss (the factory read
/// MongoDB) or a stale answer (fail-safe served an expired value after the factory failed or timed out).
/// </summary>
/// <remarks>
/// <para>
/// L2 hits, misses and stale answers come from FusionCache's events, whose handlers run synchronously on the reading
/// call (<c>EnableSyncEventHandlersExecution</c>), so the outcome belongs to the request's own async flow. They only
/// count and note, so they add nothing a caller could wait on. Level events for expired entries are not counted.
/// </para>
/// <para>
/// L1 hits do not come from events: FusionCache allocates an event's arguments, its invocation list and a closure for
/// every subscribed event it raises, 224 of the 816 bytes an L1 hit cost (docs/caching.md). A read is an L1 hit when
/// it raised none of the events above, since anything else (Redis, MongoDB, fail-safe) raises one.
/// <see cref="FusionHybridCacheAdapter"/> tells so per read without an allocation: events are tallied by stripe of
/// their key (one of <see cref="Stripes"/>, by key hash), and a read whose stripe's tally did not move while it ran
/// raised none. So an L1 hit is never counted where another outcome was; it goes uncounted only when another read of
/// its stripe raised an event at the same moment: a read that waited for another read of the same key to load it
/// (FusionCache's stampede protection) always, any other about once in a thousand such coincidences.
/// </para>
/// </remarks>
internal sealed class FusionCacheReadOutcomes(IOptions<CacheAreaRegistry> registry, CacheMetrics metrics)
{
    private const int Stripes = 1024;

    private readonly CacheAreaRegistry _areas = registry.Value;

    /// <summary>Outcome events raised so far, by stripe of their key.</summary>
    private readonly int[] _raised = new int[Stripes];

    /// <summary>Subscribes to the cache's events as it is built, so the handlers live exactly as long as the cache.</summary>
    public void Attach(IFusionCache cache)
    {
        cache.Events.Distributed.Hit += (_, e) =>
        {
            if (!e.IsStale)
            {
                Raised(e.Key, CacheResult.DistributedHit);
            }
        };
        cache.Events.FailSafeActivate += (_, e) => Raised(e.Key, CacheResult.Stale);
        cache.Events.FactorySyntheticTimeout += (_, e) => Raised(e.Key, CacheResult.Stale);
        cache.Events.Miss += (_, e) => Raised(e.Key, CacheResult.Miss);
    }

    /// <summary>Starts watching a read of <paramref name="key"/>; call just before FusionCache is.</summary>
    public WatchedRead Watch(string key)
    {
        var stripe = StripeOf(key);
        return new WatchedRead(stripe, Volatile.Read(ref _raised[stripe]));
    }

    /// <summary>Counts a read of a key in <paramref name="area"/> that completed successfully as an L1 hit if it raised no outcome event.</summary>
    public void Completed(string area, WatchedRead watch)
    {
        if (Volatile.Read(ref _raised[watch.Stripe]) == watch.RaisedBefore)
        {
            Record(area, CacheResult.LocalHit);
        }
    }

    private void Raised(string key, CacheResult result)
    {
        if (_areas.AreaOf(key) is { } area)
        {
            Interlocked.Increment(ref _raised[StripeOf(key)]);
            Record(area, result);
        }
    }

    private void Record(string area, CacheResult result)
    {
        metrics.Request(area, result);
        CacheReadScope.Record(result);
    }

    private static int StripeOf(string key) => (int)((uint)key.GetHashCode() % Stripes);

    /// <summary>A read's stripe and its tally when the read began.</summary>
    public readonly record struct WatchedRead(int Stripe, int RaisedBefore);
}
