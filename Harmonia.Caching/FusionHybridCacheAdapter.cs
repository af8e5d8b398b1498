using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;
using ZiggyCreatures.Caching.Fusion;

namespace Harmonia.Caching;

/// <summary>
/// FusionCache behind the <see cref="HybridCache"/> API. It translates each call's options exactly as FusionCache's own
/// adapter (<c>AsHybridCache()</c>, 2.9) does: the entry options FusionCache would use for the key (its defaults, or the
/// area's from <see cref="CacheAreaEntryOptions"/>), then the call's L1 duration, its duration and its flags. That
/// adapter copies the entry options, some forty fields, on every call (216 of the 816 bytes an L1 hit cost,
/// docs/caching.md); this one keeps one translation per area and options value. Sharing them is safe: FusionCache
/// copies options before a factory may adapt them (they are not marked safe for adaptive caching), and every call
/// without options shares its one <see cref="IFusionCache.DefaultEntryOptions"/> instance the same way. It also counts L1 hits
/// (<see cref="FusionCacheReadOutcomes"/>), and stores an absence for its area's miss durations (<see cref="StoredAsAbsenceWhenNullAsync"/>).
/// </summary>
internal sealed class FusionHybridCacheAdapter(
    IFusionCache fusion, IOptions<CacheAreaRegistry> registry, IOptionsMonitor<CacheAreaOptions> areaOptions, FusionCacheReadOutcomes outcomes) : HybridCache
{
    /// <summary>
    /// Areas hand out one options value for their entries and one for their misses, so this holds a few translations;
    /// beyond the bound (options computed per call) a call translates its own.
    /// </summary>
    private const int MaximumTranslations = 256;

    /// <summary>What <c>RemoveByTagAsync</c> takes to mean "every entry", as in HybridCache's contract.</summary>
    private const string EveryTag = "*";

    private readonly CacheAreaRegistry _areas = registry.Value;
    private readonly ConcurrentDictionary<TranslationKey, Translation> _translations = new();

    public override ValueTask<T> GetOrCreateAsync<TState, T>(
        string key, TState state, Func<TState, CancellationToken, ValueTask<T>> factory, HybridCacheEntryOptions? options = null,
        IEnumerable<string>? tags = null, CancellationToken cancellationToken = default)
    {
        var area = _areas.AreaOf(key);
        var translation = Translate(key, area, options);
        var watch = outcomes.Watch(key);
        var absence = translation.Absence;
        var read = translation.AllowFactory
            ? fusion.GetOrSetAsync<T>(key, (context, token) => StoredAsAbsenceWhenNullAsync(context, factory(state, token), absence), default, translation.Options, tags, cancellationToken)
            : GetOnlyAsync<T>(key, translation.Options, cancellationToken);
        if (area is null)
        {
            return read;
        }

        if (read.IsCompletedSuccessfully)
        {
            outcomes.Completed(area, watch);
            return read;
        }

        return CountedWhenCompletedAsync(read, area, watch);
    }

    /// <summary>A read that did not complete within FusionCache's call: waited for Redis, MongoDB or another read.</summary>
    private async ValueTask<T> CountedWhenCompletedAsync<T>(ValueTask<T> read, string area, FusionCacheReadOutcomes.WatchedRead watch)
    {
        var value = await read;
        outcomes.Completed(area, watch);
        return value;
    }

    /// <summary>
    /// A factory's null is an entity's absence: it is cached only for its area's
    /// <see cref="CacheAreaOptions.MissExpiration"/>, whichever read runs the factory. Storing the miss again after the
    /// call (what <see cref="MicrosoftHybridCacheAdapter"/> does) is not enough here: FusionCache also runs the factory
    /// after the call returned (an eager refresh, a read that outlived the soft timeout) and stores that result with the
    /// call's options, the area's hour in Redis, which would hide an entity created since for that long. So a null changes the options it is stored with (adaptive caching:
    /// <c>context.Options</c> is FusionCache's own copy of the call's), in L1 and in the Redis entry other replicas read.
    /// </summary>
    private static async Task<T> StoredAsAbsenceWhenNullAsync<T>(FusionCacheFactoryExecutionContext<T> context, ValueTask<T> read, FusionCacheEntryOptions? absence)
    {
        var value = await read;
        if (value is null && absence is not null)
        {
            var options = context.Options;
            options.Duration = absence.Duration;
            options.MemoryCacheDuration = absence.MemoryCacheDuration;
        }

        return value;
    }

    public override ValueTask SetAsync<T>(
        string key, T value, HybridCacheEntryOptions? options = null, IEnumerable<string>? tags = null, CancellationToken cancellationToken = default) =>
        fusion.SetAsync(key, value, Translate(key, _areas.AreaOf(key), options).Options, tags, cancellationToken);

    public override ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default) =>
        fusion.RemoveAsync(key, null, cancellationToken);

    public override ValueTask RemoveByTagAsync(string tag, CancellationToken cancellationToken = default) =>
        tag == EveryTag
            ? fusion.ClearAsync(allowFailSafe: true, null, cancellationToken)
            : fusion.RemoveByTagAsync(tag, null, cancellationToken);

    /// <summary>HybridCache's contract: with the underlying data disabled, a miss returns the default value.</summary>
    private async ValueTask<T> GetOnlyAsync<T>(string key, FusionCacheEntryOptions? options, CancellationToken cancellationToken) =>
        (await fusion.GetOrDefaultAsync<T>(key, default, options, cancellationToken))!;

    private Translation Translate(string key, string? area, HybridCacheEntryOptions? options)
    {
        if (options is null)
        {
            // FusionCache then applies its defaults and the area's options itself.
            return new Translation(null, AllowFactory: true);
        }

        var translationKey = new TranslationKey(area, options.Expiration, options.LocalCacheExpiration, options.Flags);
        if (_translations.TryGetValue(translationKey, out var translation))
        {
            return translation;
        }

        translation = Translate(fusion.CreateEntryOptions(key), options) with
        {
            Absence = area is null ? null : Translate(fusion.CreateEntryOptions(key), areaOptions.Get(area).MissEntryOptions).Options,
        };
        return _translations.Count < MaximumTranslations ? _translations.GetOrAdd(translationKey, translation) : translation;
    }

    /// <summary>What FusionCache's own adapter makes of <paramref name="options"/>, starting from the key's entry options.</summary>
    internal static Translation Translate(FusionCacheEntryOptions entry, HybridCacheEntryOptions options)
    {
        entry.MemoryCacheDuration = options.LocalCacheExpiration;
        entry.Duration = options.Expiration ?? options.LocalCacheExpiration ?? entry.Duration;
        if (options.Flags is not (null or HybridCacheEntryFlags.None))
        {
            var flags = options.Flags.Value;
            entry.SkipMemoryCacheRead = flags.HasFlag(HybridCacheEntryFlags.DisableLocalCacheRead);
            entry.SkipMemoryCacheWrite = flags.HasFlag(HybridCacheEntryFlags.DisableLocalCacheWrite);
            entry.SkipDistributedCacheRead = flags.HasFlag(HybridCacheEntryFlags.DisableDistributedCacheRead);
            entry.SkipDistributedCacheWrite = flags.HasFlag(HybridCacheEntryFlags.DisableDistributedCacheWrite);
            return new Translation(entry, AllowFactory: !flags.HasFlag(HybridCacheEntryFlags.DisableUnderlyingData));
        }

        return new Translation(entry, AllowFactory: true);
    }

    /// <summary>The entry options depend on the key only through its area (null: none).</summary>
    private readonly record struct TranslationKey(string? Area, TimeSpan? Expiration, TimeSpan? LocalCacheExpiration, HybridCacheEntryFlags? Flags);

    /// <param name="Absence">The entry options of a null the factory returns: the area's miss durations (null: keys of no area).</param>
    internal readonly record struct Translation(FusionCacheEntryOptions? Options, bool AllowFactory, FusionCacheEntryOptions? Absence = null);
}
