using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;
using ZiggyCreatures.Caching.Fusion;

namespace Harmonia.Caching;

/// <summary>
/// FusionCache behind the <see cref="HybridCache"/> API, translating each call's options as FusionCache's own adapter
/// (<c>AsHybridCache()</c>) does: the area's entry options (<see cref="CacheAreaEntryOptions.For"/>, what the engine's
/// options provider gives), then the call's durations and flags. That adapter copies the entry options, some forty
/// fields, on every call (80 of an L1 hit's 904 bytes, docs/benchmarks.md); this one builds the translation once per
/// area and options instance and reuses it. FusionCache treats the options it is given as read-only: every call
/// without options runs on its one shared <see cref="IFusionCache.DefaultEntryOptions"/> instance the same way.
/// </summary>
internal sealed class FusionHybridCacheAdapter(IFusionCache fusion, IOptions<CacheAreaRegistry> registry, IOptionsMonitor<CacheAreaOptions> areas) : HybridCache
{
    /// <summary>
    /// By options instance, then area. Areas hand out one instance each for entries and for misses, so this holds a
    /// few entries; an instance a caller builds per call is dropped with it.
    /// </summary>
    private readonly ConditionalWeakTable<HybridCacheEntryOptions, ConcurrentDictionary<string, Translated>> _translated = [];

    public override async ValueTask<T> GetOrCreateAsync<TState, T>(
        string key, TState state, Func<TState, CancellationToken, ValueTask<T>> factory, HybridCacheEntryOptions? options = null,
        IEnumerable<string>? tags = null, CancellationToken cancellationToken = default)
    {
        var (entryOptions, allowFactory) = Translate(key, options);
        if (!allowFactory)
        {
            // HybridCache's contract: with the underlying data disabled, a miss returns the default value.
            return (await fusion.GetOrDefaultAsync<T>(key, default, entryOptions, cancellationToken))!;
        }

        return await fusion.GetOrSetAsync<T>(key, async (_, token) => await factory(state, token), default, entryOptions, tags, cancellationToken);
    }

    public override ValueTask SetAsync<T>(string key, T value, HybridCacheEntryOptions? options = null, IEnumerable<string>? tags = null, CancellationToken cancellationToken = default) =>
        fusion.SetAsync(key, value, Translate(key, options).Options, tags, cancellationToken);

    public override ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default) =>
        fusion.RemoveAsync(key, null, cancellationToken);

    public override ValueTask RemoveByTagAsync(string tag, CancellationToken cancellationToken = default) =>
        fusion.RemoveByTagAsync(tag, null, cancellationToken);

    private Translated Translate(string key, HybridCacheEntryOptions? options)
    {
        if (options is null)
        {
            // FusionCache then applies its defaults and the area's options itself.
            return new Translated(null, AllowFactory: true);
        }

        var byArea = _translated.GetValue(options, static _ => new ConcurrentDictionary<string, Translated>(StringComparer.Ordinal));
        return byArea.GetOrAdd(registry.Value.AreaOf(key) ?? "", static (area, state) => state.adapter.Build(area, state.options), (adapter: this, options));
    }

    /// <summary>What FusionCache's entry options provider gives a key of <paramref name="area"/> ("" for none), with the call's settings on top.</summary>
    private Translated Build(string area, HybridCacheEntryOptions options)
    {
        var entry = area.Length == 0 ? fusion.DefaultEntryOptions.Duplicate() : CacheAreaEntryOptions.For(areas.Get(area), fusion.DefaultEntryOptions.Duplicate());
        if (options.Expiration is { } expiration)
        {
            entry.DistributedCacheDuration = expiration;
            entry.Duration = options.LocalCacheExpiration ?? expiration;
        }

        var flags = options.Flags ?? HybridCacheEntryFlags.None;
        entry.SkipMemoryCacheRead = flags.HasFlag(HybridCacheEntryFlags.DisableLocalCacheRead);
        entry.SkipMemoryCacheWrite = flags.HasFlag(HybridCacheEntryFlags.DisableLocalCacheWrite);
        entry.SkipDistributedCacheRead = flags.HasFlag(HybridCacheEntryFlags.DisableDistributedCacheRead);
        entry.SkipDistributedCacheWrite = flags.HasFlag(HybridCacheEntryFlags.DisableDistributedCacheWrite);
        return new Translated(entry, AllowFactory: !flags.HasFlag(HybridCacheEntryFlags.DisableUnderlyingData));
    }

    private readonly record struct Translated(FusionCacheEntryOptions? Options, bool AllowFactory);
}
