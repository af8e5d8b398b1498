using BenchmarkDotNet.Attributes;
using Harmonia.Api.Library;
using Harmonia.Bench.Api;
using MongoDB.Bson;

namespace Harmonia.Benchmarks;

/// <summary>
/// What the library area's distributed lock (cross-replica stampede protection) costs one read. FusionCache takes
/// the lock only when a key misses in L1 and in Redis, so the warm reads should not move; a cold read pays a lock
/// acquisition and release in Redis and a second Redis read.
/// </summary>
public class LibraryPageReadBenchmarks
{
    private const int SeededItems = 20;

    private static readonly LibraryQuery FirstPage = new(null, null, null);

    private LibraryCacheHost _hybrid = null!;
    private LibraryCacheHost _redisOnly = null!;
    private string _userId = "";

    [Params(false, true)]
    public bool DistributedLocking { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var database = $"micro-library-{DistributedLocking}-{Guid.NewGuid():N}";
        _hybrid = LibraryCacheHost.Build(DistributedLocking, CacheLevels.Both, database);
        _redisOnly = LibraryCacheHost.Build(DistributedLocking, CacheLevels.DistributedOnly, database);
        _userId = ObjectId.GenerateNewId().ToString();
        await _hybrid.SeedAsync(_userId, SeededItems);
        _ = await _hybrid.Library.GetPageAsync(_userId, FirstPage, CancellationToken.None);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _hybrid.Dispose();
        _redisOnly.Dispose();
    }

    /// <summary>The steady state: the page is in this process's memory.</summary>
    [Benchmark(Baseline = true)]
    public ValueTask<LibraryPage> L1Hit() => _hybrid.Library.GetPageAsync(_userId, FirstPage, CancellationToken.None);

    /// <summary>A Redis read on every call (L1 disabled).</summary>
    [Benchmark]
    public ValueTask<LibraryPage> L2Hit() => _redisOnly.Library.GetPageAsync(_userId, FirstPage, CancellationToken.None);

    /// <summary>A library never read: L1 and Redis miss, jongodb is queried (an empty page), the page is stored.</summary>
    [Benchmark]
    public ValueTask<LibraryPage> Miss() => _hybrid.Library.GetPageAsync(ObjectId.GenerateNewId().ToString(), FirstPage, CancellationToken.None);
}
