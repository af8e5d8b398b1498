using Microsoft.Extensions.Caching.Hybrid;

namespace Harmonia.Bench.Api;

/// <summary>Which cache levels reads use: the product's two, or fewer, to compare against.</summary>
public enum CacheLevels
{
    /// <summary>L1 in process, then Redis, then MongoDB: the product.</summary>
    Both,

    /// <summary>Redis, then MongoDB, as the original design's cache-aside service did.</summary>
    DistributedOnly,

    /// <summary>MongoDB on every read.</summary>
    None,
}

public static class CacheLevelExtensions
{
    /// <summary>
    /// Wraps the registered <see cref="HybridCache"/> so every call skips the levels <paramref name="levels"/> leaves
    /// out, and a call for a <see cref="RedisOnlyTwins"/> request skips L1 too.
    /// </summary>
    public static IServiceCollection AddCacheLevels(this IServiceCollection services, CacheLevels levels)
    {
        var skipped = levels switch
        {
            CacheLevels.DistributedOnly => HybridCacheEntryFlags.DisableLocalCache,
            CacheLevels.None => HybridCacheEntryFlags.DisableLocalCache | HybridCacheEntryFlags.DisableDistributedCache,
            _ => HybridCacheEntryFlags.None,
        };
        var product = services.Last(service => service.ServiceType == typeof(HybridCache));
        services.Remove(product);
        return services.AddSingleton<HybridCache>(provider => new LevelRestrictedHybridCache(Resolve(product, provider), skipped));
    }

    private static HybridCache Resolve(ServiceDescriptor product, IServiceProvider provider) =>
        (HybridCache)(product.ImplementationInstance
            ?? product.ImplementationFactory?.Invoke(provider)
            ?? ActivatorUtilities.CreateInstance(provider, product.ImplementationType!));

    /// <summary>
    /// Adds the skipped levels' flags to every call's entry options. A call that skips nothing passes its options on
    /// untouched, so the product's reads cost one forwarding call and one <see cref="AsyncLocal{T}"/> read more.
    /// </summary>
    private sealed class LevelRestrictedHybridCache(HybridCache inner, HybridCacheEntryFlags skipped) : HybridCache
    {
        public override ValueTask<T> GetOrCreateAsync<TState, T>(
            string key, TState state, Func<TState, CancellationToken, ValueTask<T>> factory,
            HybridCacheEntryOptions? options = null, IEnumerable<string>? tags = null, CancellationToken cancellationToken = default) =>
            inner.GetOrCreateAsync(key, state, factory, Restrict(options), tags, cancellationToken);

        public override ValueTask SetAsync<T>(
            string key, T value, HybridCacheEntryOptions? options = null, IEnumerable<string>? tags = null, CancellationToken cancellationToken = default) =>
            inner.SetAsync(key, value, Restrict(options), tags, cancellationToken);

        public override ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default) => inner.RemoveAsync(key, cancellationToken);

        public override ValueTask RemoveByTagAsync(string tag, CancellationToken cancellationToken = default) => inner.RemoveByTagAsync(tag, cancellationToken);

        private HybridCacheEntryOptions? Restrict(HybridCacheEntryOptions? options)
        {
            var flags = RedisOnlyTwins.IsServing ? skipped | HybridCacheEntryFlags.DisableLocalCache : skipped;
            return flags is HybridCacheEntryFlags.None
                ? options
                : new()
                {
                    Expiration = options?.Expiration,
                    LocalCacheExpiration = options?.LocalCacheExpiration,
                    Flags = (options?.Flags ?? HybridCacheEntryFlags.None) | flags,
                };
        }
    }
}
