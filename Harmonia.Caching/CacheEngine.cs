namespace Harmonia.Caching;

/// <summary>Which implementation stands behind the <c>HybridCache</c> API that Harmonia's code calls.</summary>
public enum CacheEngine
{
    /// <summary>
    /// FusionCache with its Redis backplane: a write on one replica evicts every other replica's L1
    /// within milliseconds, L2 calls have timeouts and a circuit breaker. The default.
    /// </summary>
    FusionCache,

    /// <summary>
    /// Microsoft.Extensions.Caching.Hybrid: no cross-replica L1 invalidation and no L2 timeout of its own.
    /// For single-replica use and for benchmarks.
    /// </summary>
    Microsoft,
}
