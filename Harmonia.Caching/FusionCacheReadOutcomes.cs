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
/// raised none. When it did move, a read inside a request's <see cref="CacheReadScope"/> still knows: its own events
/// record into that scope on its own flow, so a scope that recorded nothing during the read means another read raised
/// the event, for instance the one this read waited for under FusionCache's stampede protection. So an L1 hit is never
/// counted where another outcome was, and goes uncounted only outside a scope (the per-request session check) when
/// another read of its stripe raised an event at the same moment, or when two reads of one request ran at once.
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
        var scope = CacheReadScope.Active;
        return new WatchedRead(stripe, Volatile.Read(ref _raised[stripe]), scope, scope?.Recorded ?? 0);
    }

    /// <summary>Counts a read of a key in <paramref name="area"/> that completed successfully as an L1 hit if it raised no outcome event.</summary>
    public void Completed(string area, WatchedRead watch)
    {
        if (Volatile.Read(ref _raised[watch.Stripe]) == watch.RaisedBefore || watch.Scope?.Recorded == watch.RecordedBefore)
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

    /// <summary>A read's stripe and its tally when the read began, and the request's scope with what it had recorded then.</summary>
    public readonly record struct WatchedRead(int Stripe, int RaisedBefore, CacheReadScope? Scope, int RecordedBefore);
}
