using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;

namespace Harmonia.ServiceDefaults.Caching;

/// <summary>Which cache levels reads use; anything but <see cref="Both"/> exists to measure what the levels are worth.</summary>
public enum CacheLevels
{
    /// <summary>L1 in process, then Redis, then MongoDB: the product.</summary>
    Both,

    /// <summary>Redis, then MongoDB, as the original design's cache-aside service did.</summary>
    DistributedOnly,

    /// <summary>MongoDB on every read.</summary>
    None,
}

/// <summary>Applies <see cref="HarmoniaCacheOptions.Levels"/> to every area's entry options.</summary>
internal sealed class CacheLevelsPostConfigure(IOptions<HarmoniaCacheOptions> cache) : IPostConfigureOptions<CacheAreaOptions>
{
    public void PostConfigure(string? name, CacheAreaOptions options) =>
        options.Flags = cache.Value.Levels switch
        {
            CacheLevels.DistributedOnly => HybridCacheEntryFlags.DisableLocalCache,
            CacheLevels.None => HybridCacheEntryFlags.DisableLocalCache | HybridCacheEntryFlags.DisableDistributedCache,
            _ => HybridCacheEntryFlags.None,
        };
}
