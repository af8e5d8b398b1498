using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using ZiggyCreatures.Caching.Fusion;

namespace Harmonia.Caching;

/// <summary>
/// Gives FusionCache each area's resilience settings, chosen by the key's prefix. <see cref="FusionHybridCacheAdapter"/>
/// starts every call's options from this provider and then applies the call's two durations, so features keep
/// calling the plain <c>HybridCache</c> API and still get fail-safe, factory timeouts, eager refresh and the
/// distributed lock their area asks for. Keys of no area (FusionCache's tag bookkeeping) get the engine defaults.
/// </summary>
internal sealed class CacheAreaEntryOptions(IOptions<CacheAreaRegistry> registry, IOptionsMonitor<CacheAreaOptions> areas) : FusionCacheEntryOptionsProvider
{
    private readonly ConcurrentDictionary<string, FusionCacheEntryOptions> _byArea = new(StringComparer.Ordinal);

    public override FusionCacheEntryOptions? GetEntryOptions(FusionCacheEntryOptionsProviderContext ctx, string key, out bool canMutate)
    {
        // One shared instance per area; FusionCache copies it before the adapter sets the call's durations.
        canMutate = false;
        return registry.Value.AreaOf(key) is { } area
            ? _byArea.GetOrAdd(area, static (name, state) => For(state.areas.Get(name), state.ctx.DuplicateDefaultEntryOptions()), (ctx, areas))
            : null;
    }

    /// <summary>The area's settings on top of the engine's defaults (L2 timeout, background L2 writes, L1 size).</summary>
    internal static FusionCacheEntryOptions For(CacheAreaOptions area, FusionCacheEntryOptions defaults)
    {
        defaults.Duration = area.Expiration;
        defaults.MemoryCacheDuration = area.LocalExpiration;
        defaults.IsFailSafeEnabled = area.FailSafe;
        defaults.FailSafeMaxDuration = area.FailSafeMaxDuration;
        defaults.FailSafeThrottleDuration = area.FailSafeThrottleDuration;
        // A soft timeout needs a stale value to fall back on, which only fail-safe keeps.
        defaults.FactorySoftTimeout = area.FailSafe ? area.FactorySoftTimeout : Timeout.InfiniteTimeSpan;
        defaults.FactoryHardTimeout = area.FactoryHardTimeout;
        defaults.AllowTimedOutFactoryBackgroundCompletion = true;
        // FusionCache lets a caller wait for another caller's read of the same key for ever, and a read that outlives
        // the hard timeout keeps the key's lock until it finishes in the background: with MongoDB hung, every later
        // read of a key nobody has cached would queue behind it. So a caller waits for that read no longer than it
        // would wait for its own, then reads MongoDB itself (docs/caching.md#stampede-protection).
        defaults.MemoryLockTimeout = area.FactoryHardTimeout;
        defaults.EagerRefreshThreshold = area.EagerRefreshThreshold;
        defaults.SkipDistributedLocker = !area.DistributedLocking;
        defaults.DistributedLockTimeout = area.DistributedLockTimeout;
        return defaults;
    }
}
