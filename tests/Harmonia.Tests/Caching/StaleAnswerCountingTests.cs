using Harmonia.Caching;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Time.Testing;
using ZiggyCreatures.Caching.Fusion;

namespace Harmonia.Tests.Caching;

/// <summary>
/// Stale answers are counted from FusionCache's hit event, which Harmonia listens to only while fail-safe may serve
/// a stale value: every stale answer is counted once, and once the outage is over an L1 hit costs what it cost before.
/// FusionCache runs in memory only here; the outage is a factory that throws.
/// </summary>
public sealed class StaleAnswerCountingTests : IDisposable
{
    private const string Key = "cache:test:1";
    private const string OtherKey = "cache:test:2";
    private const int MeasuredHits = 100;

    /// <summary>FusionCache keeps the stale value this long by its own clock, longer than the test runs.</summary>
    private static readonly TimeSpan Throttle = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan HardTimeout = TimeSpan.FromSeconds(3);

    private readonly FakeTimeProvider _time = new();
    private readonly FusionCache _fusion = new(new FusionCacheOptions
    {
        EnableSyncEventHandlersExecution = true,
        DefaultEntryOptions = new FusionCacheEntryOptions
        {
            Duration = TimeSpan.FromMinutes(5),
            IsFailSafeEnabled = true,
            FailSafeMaxDuration = TimeSpan.FromHours(1),
            FailSafeThrottleDuration = Throttle,
        },
    });

    private readonly TestAreaCache _area;
    private readonly CacheMetrics _metrics;
    private readonly FusionHybridCacheAdapter _cache;

    public StaleAnswerCountingTests()
    {
        _area = new TestAreaCache(_fusion, _time, area =>
        {
            area.FailSafe = true;
            area.FailSafeThrottleDuration = Throttle;
            area.FactoryHardTimeout = HardTimeout;
        });
        (_metrics, _cache) = (_area.Metrics, _area.Adapter);
    }

    [Fact]
    public async Task EveryStaleAnswerIsCountedOnceAndAfterTheOutageAnL1HitCostsWhatItDidBefore()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await _cache.SetAsync(Key, "fresh", cancellationToken: cancellationToken);
        await _cache.SetAsync(OtherKey, "fresh", cancellationToken: cancellationToken);
        var beforeOutage = BytesPerL1Hit(OtherKey);
        // Expired, and kept for fail-safe.
        await _fusion.ExpireAsync(Key, token: cancellationToken);

        var fallback = await _cache.GetOrCreateAsync(Key, MongoDown, cancellationToken: cancellationToken);
        var throttled = await _cache.GetOrCreateAsync(Key, MongoDown, cancellationToken: cancellationToken);
        var duringOutage = BytesPerL1Hit(OtherKey);
        _time.Advance(Throttle + HardTimeout + TimeSpan.FromMilliseconds(1));
        var afterOutage = BytesPerL1Hit(OtherKey);

        Assert.Equal(["fresh", "fresh"], [fallback, throttled]);
        var counts = Assert.Single(_metrics.Snapshot());
        Assert.Equal(2, counts.StaleHits);
        Assert.Equal(0, counts.Misses);
        Assert.True(duringOutage > beforeOutage, $"An L1 hit allocated {beforeOutage} B before the outage and {duringOutage} B during it: are stale hits still taken from the hit event?");
        Assert.Equal(beforeOutage, afterOutage);
    }

    public void Dispose()
    {
        _fusion.Dispose();
        _area.Dispose();
    }

    private static ValueTask<string> MongoDown(CancellationToken cancellationToken) =>
        ValueTask.FromException<string>(new TimeoutException("MongoDB did not answer."));

    /// <summary>Bytes this thread allocates for one L1 hit of <paramref name="key"/>, after a few unmeasured ones.</summary>
    private long BytesPerL1Hit(string key)
    {
        for (var hit = 0; hit < 10; hit++)
        {
            L1Hit(key);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        for (var hit = 0; hit < MeasuredHits; hit++)
        {
            L1Hit(key);
        }

        return (GC.GetAllocatedBytesForCurrentThread() - allocated) / MeasuredHits;
    }

    private void L1Hit(string key)
    {
        var read = _cache.GetOrCreateAsync(key, static _ => ValueTask.FromResult("not called"), (HybridCacheEntryOptions?)null, null, TestContext.Current.CancellationToken);
        Assert.True(read.IsCompletedSuccessfully, "An L1 hit completes within the call.");
    }
}
