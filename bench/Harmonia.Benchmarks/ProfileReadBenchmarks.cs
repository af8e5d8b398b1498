using BenchmarkDotNet.Attributes;
using Harmonia.Api.Profiles;
using Harmonia.Bench.Api;
using Harmonia.Caching;
using MongoDB.Bson;

namespace Harmonia.Benchmarks;

/// <summary>
/// One profile read through <see cref="ProfileService"/>, by the level that answers it, for both engines behind
/// the HybridCache API. Redis and jongodb run on loopback; jongodb is not MongoDB (docs/benchmarks.md), so the
/// two reads that reach it say how much the cache saves here, not what MongoDB costs.
/// </summary>
public class ProfileReadBenchmarks
{
    /// <summary>Few, because jongodb scans the whole collection on every read.</summary>
    private const int SeededUsers = 100;

    private ProfileCacheHost _hybrid = null!;
    private ProfileCacheHost _redisOnly = null!;
    private ProfileCacheHost _noCache = null!;
    private string _userId = "";

    [Params(CacheEngine.FusionCache, CacheEngine.Microsoft)]
    public CacheEngine Engine { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        // A database per engine, so each run reads a collection of the same size.
        var database = $"micro-{Engine}-{Guid.NewGuid():N}";
        _hybrid = ProfileCacheHost.Build(Engine, CacheLevels.Both, database);
        _redisOnly = ProfileCacheHost.Build(Engine, CacheLevels.DistributedOnly, database);
        _noCache = ProfileCacheHost.Build(Engine, CacheLevels.None, database);
        var ids = await _hybrid.SeedUsersAsync(SeededUsers);
        _userId = ids[SeededUsers / 2];
        _ = await _hybrid.Profiles.GetAsync(_userId, CancellationToken.None) ?? throw new InvalidOperationException("The seeded user was not found.");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _hybrid.Dispose();
        _redisOnly.Dispose();
        _noCache.Dispose();
    }

    /// <summary>The product's steady state: the profile is in this process's memory.</summary>
    [Benchmark(Baseline = true)]
    public ValueTask<CachedProfile?> L1Hit() => _hybrid.Profiles.GetAsync(_userId, CancellationToken.None);

    /// <summary>A Redis read and deserialization on every call (L1 disabled, as in the redis-only mode).</summary>
    [Benchmark]
    public ValueTask<CachedProfile?> L2Hit() => _redisOnly.Profiles.GetAsync(_userId, CancellationToken.None);

    /// <summary>
    /// A key never seen: L1 and Redis miss, jongodb is queried, and the (negative) result is stored in both levels.
    /// </summary>
    [Benchmark]
    public ValueTask<CachedProfile?> Miss() => _hybrid.Profiles.GetAsync(ObjectId.GenerateNewId().ToString(), CancellationToken.None);

    /// <summary>Both levels disabled, as in the no-cache mode: a jongodb query every call.</summary>
    [Benchmark]
    public ValueTask<CachedProfile?> NoCache() => _noCache.Profiles.GetAsync(_userId, CancellationToken.None);
}
