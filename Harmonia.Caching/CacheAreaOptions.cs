using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Caching.Hybrid;

namespace Harmonia.Caching;

/// <summary>
/// How long one kind of cached data lives: <c>Harmonia:Cache:Areas:{Area}</c>. L1 is per process, so its
/// duration is the staleness bound when cross-replica invalidation is unavailable; L2 (Redis) is shared.
/// </summary>
public sealed class CacheAreaOptions : IValidatableObject
{
    /// <summary>L2 (Redis) time to live.</summary>
    public TimeSpan Expiration { get; set; }

    /// <summary>L1 (in-process) time to live; shorter than <see cref="Expiration"/>.</summary>
    public TimeSpan LocalExpiration { get; set; }

    /// <summary>
    /// How long a "does not exist" answer is cached (<see cref="HybridCacheLookups.GetOrLookUpAsync"/>). Ids are
    /// predictable, so a lookup before an entity is created must not hide it for long; creations also clear the miss.
    /// </summary>
    public TimeSpan MissExpiration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// After a write, store the new value in the cache (write-through) instead of removing the entry
    /// (invalidate), so the next read anywhere is a hit. Only areas whose writes produce the whole cached value use it.
    /// </summary>
    public bool WriteThrough { get; set; }

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
    }
}
