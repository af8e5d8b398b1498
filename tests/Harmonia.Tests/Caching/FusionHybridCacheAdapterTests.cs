using System.Reflection;
using Harmonia.Caching;
using Microsoft.Extensions.Caching.Hybrid;
using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.MicrosoftHybridCache;

namespace Harmonia.Tests.Caching;

/// <summary>
/// Harmonia's HybridCache adapter over FusionCache: it must translate options exactly as FusionCache's own adapter,
/// and count every read once by the level that answered it. FusionCache runs in memory only here.
/// </summary>
public sealed class FusionHybridCacheAdapterTests : IDisposable
{
    private const string Key = "cache:test:1";

    private readonly FusionCache _fusion = new(new FusionCacheOptions { EnableSyncEventHandlersExecution = true });
    private readonly TestAreaCache _area;
    private readonly CacheMetrics _metrics;
    private readonly FusionHybridCacheAdapter _cache;

    public FusionHybridCacheAdapterTests()
    {
        _area = new TestAreaCache(_fusion, TimeProvider.System);
        (_metrics, _cache) = (_area.Metrics, _area.Adapter);
    }

    public static TheoryData<HybridCacheEntryOptions> CallOptions =>
    [
        new HybridCacheEntryOptions { Expiration = TimeSpan.FromHours(1), LocalCacheExpiration = TimeSpan.FromMinutes(1) },
        new HybridCacheEntryOptions { Expiration = TimeSpan.FromSeconds(10) },
        new HybridCacheEntryOptions { LocalCacheExpiration = TimeSpan.FromSeconds(5) },
        new HybridCacheEntryOptions { Expiration = TimeSpan.FromHours(1), Flags = HybridCacheEntryFlags.DisableLocalCache },
        new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableDistributedCacheRead | HybridCacheEntryFlags.DisableUnderlyingData },
        new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.None },
    ];

    [Theory]
    [MemberData(nameof(CallOptions))]
    public void OptionsAreTranslatedAsFusionCachesOwnAdapterDoes(HybridCacheEntryOptions options)
    {
        var (expected, expectedAllowFactory) = FusionCachesOwnTranslation(options);

        var translation = FusionHybridCacheAdapter.Translate(_fusion.CreateEntryOptions(Key), options);

        Assert.Equal(expectedAllowFactory, translation.AllowFactory);
        Assert.Equal(Describe(expected), Describe(translation.Options!));
    }

    [Fact]
    public async Task EachReadIsCountedOnceByTheLevelThatAnsweredIt()
    {
        var options = new HybridCacheEntryOptions { Expiration = TimeSpan.FromMinutes(1) };

        var first = await _cache.GetOrCreateAsync(Key, _ => ValueTask.FromResult("loaded"), options, cancellationToken: TestContext.Current.CancellationToken);
        var second = await _cache.GetOrCreateAsync(Key, _ => ValueTask.FromResult("not called"), options, cancellationToken: TestContext.Current.CancellationToken);
        var third = await _cache.GetOrCreateAsync(Key, _ => ValueTask.FromResult("not called"), options, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(["loaded", "loaded", "loaded"], [first, second, third]);
        Assert.Equal(new CacheAreaCounts("test", LocalHits: 2, DistributedHits: 0, Misses: 1, StaleHits: 0), Assert.Single(_metrics.Snapshot()));
    }

    [Fact]
    public async Task AReadInsideAnotherReadsFactoryLeavesTheOuterReadCountedAsAMiss()
    {
        var options = new HybridCacheEntryOptions { Expiration = TimeSpan.FromMinutes(1) };
        await _cache.SetAsync("cache:test:inner", "inner", options, cancellationToken: TestContext.Current.CancellationToken);

        var outer = await _cache.GetOrCreateAsync(
            Key,
            async token => await _cache.GetOrCreateAsync("cache:test:inner", _ => ValueTask.FromResult("not called"), options, cancellationToken: token) + " and outer",
            options,
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("inner and outer", outer);
        Assert.Equal(new CacheAreaCounts("test", LocalHits: 1, DistributedHits: 0, Misses: 1, StaleHits: 0), Assert.Single(_metrics.Snapshot()));
    }

    [Fact]
    public async Task AnL1HitIsNotedInTheReadScope()
    {
        var options = new HybridCacheEntryOptions { Expiration = TimeSpan.FromMinutes(1) };
        await _cache.SetAsync(Key, "cached", options, cancellationToken: TestContext.Current.CancellationToken);
        using var scope = CacheReadScope.Begin();

        await _cache.GetOrCreateAsync(Key, _ => ValueTask.FromResult("not called"), options, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(CacheResult.LocalHit, scope.Result);
    }

    public void Dispose()
    {
        _fusion.Dispose();
        _area.Dispose();
    }

    /// <summary>What <c>AsHybridCache()</c> makes of the options; its translation is private, so it is called by name.</summary>
    private (FusionCacheEntryOptions Options, bool AllowFactory) FusionCachesOwnTranslation(HybridCacheEntryOptions options)
    {
        var translate = typeof(FusionHybridCache).GetMethod("CreateFusionCacheEntryOptions", BindingFlags.Instance | BindingFlags.NonPublic)
            ?? throw new InvalidOperationException("FusionHybridCache no longer has CreateFusionCacheEntryOptions; compare against its new translation.");
        object?[] arguments = [Key, options, null];
        var translated = (FusionCacheEntryOptions)translate.Invoke(new FusionHybridCache(_fusion), arguments)!;
        return (translated, (bool)arguments[2]!);
    }

    /// <summary>Every public setting, by name, so a difference names the setting.</summary>
    private static string[] Describe(FusionCacheEntryOptions options) =>
        [.. typeof(FusionCacheEntryOptions).GetProperties(BindingFlags.Instance | BindingFlags.Public)
            .Where(property => property.GetIndexParameters().Length == 0)
            .OrderBy(property => property.Name, StringComparer.Ordinal)
            .Select(property => $"{property.Name}={property.GetValue(options)}")];
}
