using System.ComponentModel.DataAnnotations;

namespace Harmonia.Caching;

/// <summary>The <c>Harmonia:Cache</c> section: how the two-level cache behaves as a whole.</summary>
public sealed class HarmoniaCacheOptions
{
    public const string SectionName = "Harmonia:Cache";

    /// <summary>The implementation behind <c>HybridCache</c>; see <see cref="CacheEngine"/>.</summary>
    public CacheEngine Engine { get; set; } = CacheEngine.FusionCache;

    /// <summary>
    /// Whether replicas evict each other's L1 entries over Redis pub/sub (FusionCache only). Without it, a write
    /// on another replica goes unseen here for up to the area's L1 duration.
    /// </summary>
    public bool Backplane { get; set; } = true;

    /// <summary>The most entries L1 holds; the least recently used go first, so memory stays bounded under any key space.</summary>
    [Range(100, 10_000_000)]
    public int LocalCacheSizeLimit { get; set; } = 100_000;

    /// <summary>The largest serialized value written to Redis; larger values stay in L1 only.</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaximumPayloadBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// How long a replica trusts its own copy of a tag's invalidation time. The backplane refreshes it at once;
    /// when the backplane is down, this bounds how long a tag invalidation (a user's library pages) goes unseen.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan TagLocalExpiration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long an L2 (Redis) call may take before the caller falls back to MongoDB; at most the Redis client's command
    /// timeout (<see cref="DistributedCacheTimeoutValidation"/>).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:10")]
    public TimeSpan DistributedCacheTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How long after an invalidation or a write-through it is made again (<see cref="InvalidationRepeats"/>), and so
    /// how long an older value stored by a read that raced the write can last. Longer than such a read takes to store
    /// what it read: the longest area's <c>FactoryHardTimeout</c> (3 s) and one Redis write (<see cref="DistributedCacheTimeout"/>),
    /// checked at start (<see cref="InvalidationRepeatDelayValidation"/>).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan InvalidationRepeatDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>After an L2 or backplane failure, how long to stop trying Redis before probing it again.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan CircuitBreakerDuration { get; set; } = TimeSpan.FromSeconds(5);
}
