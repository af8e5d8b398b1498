using BenchmarkDotNet.Attributes;
using Harmonia.Api.Profiles;
using Harmonia.Bench.Api;
using Harmonia.Caching;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ZiggyCreatures.Caching.Fusion;

namespace Harmonia.Benchmarks;

/// <summary>
/// FusionCache's own price for an L1 hit, below the HybridCache API: the floor that
/// <see cref="ProfileReadBenchmarks.L1Hit"/> stands on with the FusionCache engine (docs/caching.md). The profile is
/// read from the product's cache with the durations Harmonia's adapter passes for the profile area.
/// </summary>
public class FusionCacheL1HitBenchmarks
{
    private static readonly Func<FusionCacheFactoryExecutionContext<CachedProfile?>, CancellationToken, Task<CachedProfile?>> NeverCalled =
        static (_, _) => throw new InvalidOperationException("An L1 hit runs no factory.");

    private ProfileCacheHost _host = null!;
    private IFusionCache _fusion = null!;
    private FusionCacheEntryOptions _options = null!;
    private string _key = "";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _host = ProfileCacheHost.Build(CacheEngine.FusionCache, CacheLevels.Both, $"micro-fusion-{Guid.NewGuid():N}");
        var userId = (await _host.SeedUsersAsync(1))[0];
        _ = await _host.Profiles.GetAsync(userId, CancellationToken.None) ?? throw new InvalidOperationException("The seeded user was not found.");
        _key = ProfileKeys.Profile(userId);
        _fusion = _host.Services.GetRequiredService<IFusionCache>();
        var area = _host.Services.GetRequiredService<IOptionsMonitor<CacheAreaOptions>>().Get(ProfileKeys.Area);
        _options = _fusion.CreateEntryOptions(_key);
        _options.MemoryCacheDuration = area.LocalExpiration;
        _options.Duration = area.Expiration;
    }

    [GlobalCleanup]
    public void Cleanup() => _host.Dispose();

    /// <summary>What <c>HybridCache.GetOrCreateAsync</c> becomes: eager refresh, stampede protection, fail-safe.</summary>
    [Benchmark(Baseline = true)]
    public ValueTask<CachedProfile?> GetOrSet() => _fusion.GetOrSetAsync(_key, NeverCalled, default, _options, null, CancellationToken.None);

    /// <summary>A plain lookup, which starts no eager refresh.</summary>
    [Benchmark]
    public ValueTask<MaybeValue<CachedProfile?>> TryGet() => _fusion.TryGetAsync<CachedProfile?>(_key, _options, CancellationToken.None);
}
