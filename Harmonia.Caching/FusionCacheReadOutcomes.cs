using Microsoft.Extensions.Options;
using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.Events;

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
/// <para>
/// Stale answers come from FusionCache's hit event, which says whether the value it served was stale, but only while
/// one can be served. A stale value is in memory only after fail-safe has fallen back to it, and then for the area's
/// <see cref="CacheAreaOptions.FailSafeThrottleDuration"/>, during which every read of the key takes it without asking
/// MongoDB (and a read that was waiting for the key's lock may still take it once its wait, at most the area's
/// <see cref="CacheAreaOptions.FactoryHardTimeout"/>, ends). So the fallback subscribes to the hit event, and a hit
/// after the last such time has passed unsubscribes: outside an outage no hit pays for the event, and within one every
/// stale answer is counted once (a soft timeout raises two events for the one fallback, the hit event one).
/// </para>
/// </remarks>
internal sealed class FusionCacheReadOutcomes(
    IOptions<CacheAreaRegistry> registry, IOptionsMonitor<CacheAreaOptions> areaOptions, CacheMetrics metrics, TimeProvider timeProvider)
{
    private const int Stripes = 1024;

    private readonly CacheAreaRegistry _areas = registry.Value;

    /// <summary>Outcome events raised so far, by stripe of their key.</summary>
    private readonly int[] _raised = new int[Stripes];

    private readonly Lock _staleHitsGate = new();
    private IFusionCache? _cache;
    private bool _watchingHits;

    /// <summary>The <see cref="TimeProvider"/> timestamp after which no value fail-safe fell back to is still served.</summary>
    private long _staleServedUntil;

    /// <summary>Subscribes to the cache's events as it is built, so the handlers live exactly as long as the cache.</summary>
    public void Attach(IFusionCache cache)
    {
        _cache = cache;
        cache.Events.Distributed.Hit += (_, e) =>
        {
            if (!e.IsStale)
            {
                Raised(e.Key, CacheResult.DistributedHit);
            }
        };
        cache.Events.Miss += (_, e) => Raised(e.Key, CacheResult.Miss);
        // The fallback's own answer is counted by the hit FusionCache raises right after it, on the same call.
        cache.Events.FailSafeActivate += (_, e) => WatchStaleHits(e.Key);
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

    private void WatchStaleHits(string key)
    {
        if (_areas.AreaOf(key) is not { } area)
        {
            return;
        }

        var options = areaOptions.Get(area);
        var served = options.FailSafeThrottleDuration + options.FactoryHardTimeout;
        var servedUntil = timeProvider.GetTimestamp() + (long)(served.TotalSeconds * timeProvider.TimestampFrequency);
        lock (_staleHitsGate)
        {
            _staleServedUntil = Math.Max(_staleServedUntil, servedUntil);
            if (!_watchingHits)
            {
                _cache!.Events.Hit += OnHit;
                _watchingHits = true;
            }
        }
    }

    private void OnHit(object? sender, FusionCacheEntryHitEventArgs e)
    {
        if (e.IsStale)
        {
            Raised(e.Key, CacheResult.Stale);
        }
        else if (timeProvider.GetTimestamp() > Volatile.Read(ref _staleServedUntil))
        {
            lock (_staleHitsGate)
            {
                if (_watchingHits && timeProvider.GetTimestamp() > _staleServedUntil)
                {
                    _cache!.Events.Hit -= OnHit;
                    _watchingHits = false;
                }
            }
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
