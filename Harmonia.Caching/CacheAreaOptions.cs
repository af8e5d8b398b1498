using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Caching.Hybrid;

namespace Harmonia.Caching;

/// <summary>
/// How one kind of cached data lives and what happens when MongoDB cannot refresh it:
/// <c>Harmonia:Cache:Areas:{Area}</c>. L1 is per process, so its duration is the staleness bound when
/// cross-replica invalidation is unavailable; L2 (Redis) is shared. The resilience settings (fail-safe,
/// factory timeouts, eager refresh, distributed locking) are applied by the FusionCache engine to every key
/// under the area's prefix; Microsoft's engine ignores them.
/// </summary>
public sealed class CacheAreaOptions : IValidatableObject
{
    /// <summary>L2 (Redis) time to live.</summary>
    public TimeSpan Expiration { get; set; }

    /// <summary>L1 (in-process) time to live; shorter than <see cref="Expiration"/>.</summary>
    public TimeSpan LocalExpiration { get; set; }

    /// <summary>
    /// How long a "does not exist" answer (a factory's null) is cached, by either engine's adapter. Ids are
    /// predictable, so a lookup before an entity is created must not hide it for long; creations also clear the miss.
    /// </summary>
    public TimeSpan MissExpiration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// After a write, store the new value in the cache (write-through) instead of removing the entry
    /// (invalidate), so the next read anywhere is a hit. Only areas whose writes produce the whole cached value use it.
    /// </summary>
    public bool WriteThrough { get; set; }

    /// <summary>
    /// When MongoDB fails or is slow, serve the expired value instead of an error. Off where a stale value is
    /// unsafe: a session's "active" must never outlive its revocation.
    /// </summary>
    public bool FailSafe { get; set; }

    /// <summary>How long past its expiry a value is kept to be served stale; also how long it stays in Redis at least.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan FailSafeMaxDuration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>After a failed refresh, how long the stale value is served before MongoDB is asked again, so a struggling MongoDB is not hammered.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan FailSafeThrottleDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// With a stale value at hand, how long a refresh may take before the caller gets the stale value; the refresh
    /// finishes in the background and updates the cache. Only with <see cref="FailSafe"/>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:30")]
    public TimeSpan FactorySoftTimeout { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long a read of MongoDB may take at most, stale value or not; beyond it the caller gets a 503 (or the stale value).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan FactoryHardTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// The share of an entry's life after which a read still answers from the cache but starts a refresh in the
    /// background (Redis first, then MongoDB), so a hot key never waits for MongoDB: its L1 duration for an entry this
    /// replica wrote, the Redis entry's for one taken from Redis (docs/caching.md). Null turns eager refresh off.
    /// </summary>
    [Range(0.5, 0.99)]
    public float? EagerRefreshThreshold { get; set; }

    /// <summary>
    /// Lets one replica at a time read MongoDB for a key that misses everywhere (a lock in Redis,
    /// <c>{key}:lock</c>); the others wait for its result in Redis. Without it each replica reads once.
    /// </summary>
    public bool DistributedLocking { get; set; }

    /// <summary>How long a replica waits for another's lock before reading MongoDB itself.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:30")]
    public TimeSpan DistributedLockTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The per-call options these durations make.</summary>
    public HybridCacheEntryOptions EntryOptions => field ??= new() { Expiration = Expiration, LocalCacheExpiration = LocalExpiration };

    /// <summary>The per-call options of a cached miss.</summary>
    public HybridCacheEntryOptions MissEntryOptions => field ??= new()
    {
        Expiration = MissExpiration,
        LocalCacheExpiration = MissExpiration < LocalExpiration ? MissExpiration : LocalExpiration,
    };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (LocalExpiration <= TimeSpan.Zero || Expiration <= TimeSpan.Zero || MissExpiration <= TimeSpan.Zero)
        {
            yield return new ValidationResult("Every duration must be positive.", [nameof(Expiration), nameof(LocalExpiration), nameof(MissExpiration)]);
        }

        if (MissExpiration > Expiration)
        {
            yield return new ValidationResult("A miss must not outlive a hit.", [nameof(MissExpiration)]);
        }

        if (LocalExpiration >= Expiration)
        {
            yield return new ValidationResult("L1 must expire before L2, or L1 would outlive what every replica shares.", [nameof(LocalExpiration)]);
        }

        if (FactorySoftTimeout >= FactoryHardTimeout)
        {
            yield return new ValidationResult("The soft timeout must be shorter than the hard one.", [nameof(FactorySoftTimeout)]);
        }
    }
}
