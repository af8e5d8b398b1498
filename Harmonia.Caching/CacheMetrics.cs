using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;

namespace Harmonia.Caching;

/// <summary>
/// How well each cache area works: <c>harmonia.cache.requests</c> by area and result (<c>l1_hit</c>,
/// <c>l2_hit</c>, <c>miss</c>, where a miss is a read of the source of truth, and <c>stale</c>, an expired value
/// served because the source of truth failed or was slow), a hit-ratio gauge per area,
/// and <c>harmonia.cache.invalidations</c> by area and reason. Counts are kept here too, for the admin
/// statistics endpoint; they cover this process since it started.
/// </summary>
public sealed class CacheMetrics
{
    public const string MeterName = "Harmonia.Cache";

    private static readonly CacheResult[] Results = [CacheResult.LocalHit, CacheResult.DistributedHit, CacheResult.Miss, CacheResult.Stale];

    private readonly Counter<long> _requests;
    private readonly Counter<long> _invalidations;
    private readonly Dictionary<string, long[]> _counts;

    public CacheMetrics(IMeterFactory meterFactory, IOptions<CacheAreaRegistry> areas)
    {
        _counts = areas.Value.Areas.ToDictionary(area => area, _ => new long[Results.Length]);
        var meter = meterFactory.Create(MeterName);
        _requests = meter.CreateCounter<long>("harmonia.cache.requests", description: "Cache reads by area and the level that answered them.");
        _invalidations = meter.CreateCounter<long>("harmonia.cache.invalidations", description: "Cache entries or tags invalidated, by area and reason.");
        meter.CreateObservableGauge(
            "harmonia.cache.hit_ratio",
            () => Snapshot().Where(area => area.Total > 0).Select(area =>
                new Measurement<double>(area.HitRatio, new KeyValuePair<string, object?>("area", area.Area))),
            description: "Share of reads answered by L1 or L2 since the process started, by area.");
    }

    public void Request(string area, CacheResult result)
    {
        _requests.Add(1, new KeyValuePair<string, object?>("area", area), new KeyValuePair<string, object?>("result", result.Tag));
        if (_counts.TryGetValue(area, out var counts))
        {
            Interlocked.Increment(ref counts[Array.IndexOf(Results, result)]);
        }
    }

    public void Invalidation(string area, string reason) =>
        _invalidations.Add(1, new KeyValuePair<string, object?>("area", area), new KeyValuePair<string, object?>("reason", reason));

    public IReadOnlyList<CacheAreaCounts> Snapshot() =>
        [.. _counts.Select(pair => new CacheAreaCounts(
            pair.Key,
            Interlocked.Read(ref pair.Value[0]),
            Interlocked.Read(ref pair.Value[1]),
            Interlocked.Read(ref pair.Value[2]),
            Interlocked.Read(ref pair.Value[3])))];
}

/// <summary>How a cache read was answered: by which level, or from the source of truth, or stale.</summary>
public sealed record CacheResult(string Tag)
{
    public static readonly CacheResult LocalHit = new("l1_hit");
    public static readonly CacheResult DistributedHit = new("l2_hit");
    public static readonly CacheResult Miss = new("miss");

    /// <summary>Fail-safe: the refresh failed or outlasted its soft timeout, so the expired value was served.</summary>
    public static readonly CacheResult Stale = new("stale");
}

/// <summary>One area's reads since the process started.</summary>
public sealed record CacheAreaCounts(string Area, long LocalHits, long DistributedHits, long Misses, long StaleHits)
{
    public long Total => LocalHits + DistributedHits + Misses + StaleHits;

    /// <summary>Reads answered by the cache, stale ones included (they spared MongoDB too).</summary>
    public double HitRatio => Total == 0 ? 0 : (double)(LocalHits + DistributedHits + StaleHits) / Total;
}
