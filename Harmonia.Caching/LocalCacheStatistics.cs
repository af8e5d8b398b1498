using System.Diagnostics.Metrics;
using Microsoft.Extensions.Caching.Memory;

namespace Harmonia.Caching;

/// <summary>
/// What L1 holds: its entry count, and an estimate of its size in bytes (entries times the average serialized
/// size of the values that went to or came from Redis; L1 keeps objects, whose exact footprint .NET cannot
/// cheaply measure).
/// </summary>
public sealed class LocalCacheStatistics
{
    private long _payloadBytes;
    private long _payloads;

    internal LocalCacheStatistics(MemoryCache localCache, IMeterFactory meterFactory)
    {
        LocalCache = localCache;
        var meter = meterFactory.Create(CacheMetrics.MeterName);
        meter.CreateObservableGauge("harmonia.cache.l1.entries", () => Entries, description: "Entries in this process's L1 cache.");
        meter.CreateObservableGauge("harmonia.cache.l1.estimated_size", () => EstimatedBytes, unit: "By", description: "Estimated size of this process's L1 cache.");
    }

    internal MemoryCache LocalCache { get; }

    public long Entries => LocalCache.Count;

    public long EstimatedBytes
    {
        get
        {
            var payloads = Interlocked.Read(ref _payloads);
            return payloads == 0 ? 0 : Entries * (Interlocked.Read(ref _payloadBytes) / payloads);
        }
    }

    internal void ObservePayload(int bytes)
    {
        Interlocked.Add(ref _payloadBytes, bytes);
        Interlocked.Increment(ref _payloads);
    }
}
