using System.Diagnostics.Metrics;

namespace Harmonia.ServiceDefaults.Caching;

/// <summary>
/// How well each cache area works: <c>harmonia.cache.requests</c> by area and result (<c>l1_hit</c>,
/// <c>l2_hit</c>, <c>miss</c>, where a miss is a read of the source of truth) and
/// <c>harmonia.cache.invalidations</c> by area and reason.
/// </summary>
public sealed class CacheMetrics
{
    public const string MeterName = "Harmonia.Cache";

    private readonly Counter<long> _requests;
    private readonly Counter<long> _invalidations;

    public CacheMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _requests = meter.CreateCounter<long>("harmonia.cache.requests", description: "Cache reads by area and the level that answered them.");
        _invalidations = meter.CreateCounter<long>("harmonia.cache.invalidations", description: "Cache entries or tags invalidated, by area and reason.");
    }

    public void Request(string area, CacheResult result) =>
        _requests.Add(1, new KeyValuePair<string, object?>("area", area), new KeyValuePair<string, object?>("result", result.Tag));

    public void Invalidation(string area, string reason) =>
        _invalidations.Add(1, new KeyValuePair<string, object?>("area", area), new KeyValuePair<string, object?>("reason", reason));
}

/// <summary>Which level answered a cache read.</summary>
public sealed record CacheResult(string Tag)
{
    public static readonly CacheResult LocalHit = new("l1_hit");
    public static readonly CacheResult DistributedHit = new("l2_hit");
    public static readonly CacheResult Miss = new("miss");
}
