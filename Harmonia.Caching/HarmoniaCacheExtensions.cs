using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.Backplane.StackExchangeRedis;
using ZiggyCreatures.Caching.Fusion.Locking.Distributed.Redis;
using ZiggyCreatures.Caching.Fusion.Serialization.SystemTextJson;

namespace Harmonia.Caching;

/// <summary>
/// Registers <see cref="HybridCache"/> (L1 in process, L2 in Redis) on the Redis connection that
/// <c>AddHarmoniaDataStores</c> opened. Application code only ever sees the <see cref="HybridCache"/> API.
/// </summary>
public static class HarmoniaCacheExtensions
{
    private const string FusionCacheMeters = "ZiggyCreatures.Caching.Fusion*";

    private const string MicrosoftEngineKey = "Harmonia.Caching.MicrosoftEngine";

    /// <summary>
    /// How long L1 keeps a tag's last known invalidation time after reading it. With Redis unreachable, fail-safe answers
    /// a tag from this copy rather than as never invalidated; the entries it guards (library pages) are fresh in L1 for their
    /// area's L1 duration (30 s as shipped), so an hour outlives them many times over.
    /// </summary>
    private static readonly TimeSpan TagLocalFailSafe = TimeSpan.FromHours(1);

    /// <remarks>Each feature declares what it caches with <see cref="AddCachedTypes"/>.</remarks>
    public static TBuilder AddHarmoniaCache<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<HarmoniaCacheOptions>()
            .BindConfiguration(HarmoniaCacheOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<HarmoniaCacheOptions>, DistributedCacheTimeoutValidation>();

        var options = builder.Configuration.GetSection(HarmoniaCacheOptions.SectionName).Get<HarmoniaCacheOptions>() ?? new();
        builder.Services.AddSingleton<CachedTypes>();
        builder.Services.AddSingleton<CacheMetrics>();
        builder.Services.AddSingleton<CacheInvalidator>();
        builder.Services.AddSingleton<InvalidationRepeats>();
        builder.Services.AddSingleton<IValidateOptions<CacheAreaOptions>, InvalidationRepeatDelayValidation>();
        builder.Services.AddHostedService(services => services.GetRequiredService<InvalidationRepeats>());
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(FusionCacheMeters));
        // Created at start, so its gauges report from the first export on.
        builder.Services.ActivateSingleton<LocalCacheStatistics>();

        if (options.Engine is CacheEngine.Microsoft)
        {
            AddMicrosoftHybridCache(builder.Services, options);
        }
        else
        {
            AddFusionCache(builder.Services, options);
        }

        return builder;
    }

    /// <summary>Declares source-generated JSON metadata for types a feature caches; reflection never serializes cached values.</summary>
    public static IServiceCollection AddCachedTypes(this IServiceCollection services, IJsonTypeInfoResolver resolver) =>
        services.Configure<CachedTypes.Registry>(registry => registry.Resolvers.Add(resolver));

    /// <summary>
    /// Registers one area: the prefix its keys start with (for metrics and for its engine settings) and its
    /// options, bound from <c>Harmonia:Cache:Areas:{name}</c> over the <paramref name="defaults"/> the feature sets.
    /// </summary>
    public static IServiceCollection AddCacheArea(this IServiceCollection services, string name, string keyPrefix, Action<CacheAreaOptions> defaults)
    {
        services.Configure<CacheAreaRegistry>(registry => registry.Add(name, keyPrefix));
        services.AddOptions<CacheAreaOptions>(name)
            .Configure(defaults)
            .BindConfiguration($"{HarmoniaCacheOptions.SectionName}:Areas:{name}")
            .ValidateDataAnnotations()
            .ValidateOnStart();
        return services;
    }

    private static void AddFusionCache(IServiceCollection services, HarmoniaCacheOptions options)
    {
        services.AddSingleton(services => new LocalCacheStatistics(
            new MemoryCache(new MemoryCacheOptions { SizeLimit = options.LocalCacheSizeLimit }),
            services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));
        var fusionCache = services.AddFusionCache()
            .WithOptions((services, fusion) =>
            {
                // Redis keys are exactly the names features give them (session:{userId}:{sessionId}, ...),
                // without FusionCache's wire-format prefix; an unreadable old entry is just a miss.
                fusion.DistributedCacheKeyModifierMode = CacheKeyModifierMode.None;
                // Each area's fail-safe, timeouts, eager refresh and locking, by key prefix.
                fusion.DefaultEntryOptionsProvider = ActivatorUtilities.CreateInstance<CacheAreaEntryOptions>(services);
                // Read outcomes are noted on the reading call itself, so a request knows how it was served (Cache-Status).
                fusion.EnableSyncEventHandlersExecution = true;
                fusion.DistributedCacheCircuitBreakerDuration = options.CircuitBreakerDuration;
                fusion.BackplaneCircuitBreakerDuration = options.CircuitBreakerDuration;
                fusion.TagsDefaultEntryOptions.MemoryCacheDuration = options.TagLocalExpiration;
                fusion.TagsDefaultEntryOptions.DistributedCacheHardTimeout = options.DistributedCacheTimeout;
                BoundTagsInMemory(fusion.TagsDefaultEntryOptions);
            })
            .WithDefaultEntryOptions(entry =>
            {
                // Every entry counts one against the L1 size limit.
                entry.Size = 1;
                entry.DistributedCacheHardTimeout = options.DistributedCacheTimeout;
                // Callers need not wait for Redis writes or backplane notices; a failed one is retried.
                entry.AllowBackgroundDistributedCacheOperations = true;
                entry.AllowBackgroundBackplaneOperations = true;
            })
            .WithPostSetup((services, cache) => services.GetRequiredService<FusionCacheReadOutcomes>().Attach(cache))
            .WithMemoryCache(services => services.GetRequiredService<LocalCacheStatistics>().LocalCache)
            .WithSerializer(services => new PayloadLimitedSerializer(
                new FusionCacheSystemTextJsonSerializer(services.GetRequiredService<CachedTypes>().SerializerOptions),
                options.MaximumPayloadBytes,
                services.GetRequiredService<LocalCacheStatistics>()))
            .WithDistributedCache(services => new RedisCache(new RedisCacheOptions { ConnectionMultiplexerFactory = SharedConnection(services) }))
            // Used only by areas with DistributedLocking. Built here rather than registered, so nothing disposes it:
            // its Dispose would close the connection every other Redis user shares.
            .WithDistributedLocker(services => new RedisDistributedLocker(new RedisDistributedLockerOptions { ConnectionMultiplexerFactory = SharedConnection(services) }));
        if (options.Backplane)
        {
            fusionCache.WithBackplane(services => new RedisBackplane(new RedisBackplaneOptions { ConnectionMultiplexerFactory = SharedConnection(services) }));
        }

        services.AddSingleton<FusionCacheReadOutcomes>();
        services.AddSingleton<HybridCache, FusionHybridCacheAdapter>();
    }

    /// <summary>
    /// FusionCache keeps each tag's invalidation time in L1 outside the size limit (size 0), never compacts it, and keeps
    /// it by fail-safe for ten days: every <c>library:{userId}</c> tag a replica ever read would stay in its memory that
    /// long, whatever <see cref="HarmoniaCacheOptions.LocalCacheSizeLimit"/> says. So a tag counts and leaves L1 like any
    /// entry, and L1 keeps it for <see cref="TagLocalFailSafe"/>; Redis keeps FusionCache's ten days. A tag L1 no longer
    /// holds is read from Redis again (docs/caching.md#bounds).
    /// </summary>
    private static void BoundTagsInMemory(FusionCacheEntryOptions tags)
    {
        tags.Size = 1;
        tags.Priority = CacheItemPriority.Normal;
        tags.DistributedCacheFailSafeMaxDuration ??= tags.FailSafeMaxDuration;
        tags.FailSafeMaxDuration = TagLocalFailSafe;
    }

    private static void AddMicrosoftHybridCache(IServiceCollection services, HarmoniaCacheOptions options)
    {
        services.AddMemoryCache();
        services.AddSingleton(services => new LocalCacheStatistics(
            (MemoryCache)services.GetRequiredService<IMemoryCache>(),
            services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddStackExchangeRedisCache(_ => { });
        services.AddOptions<RedisCacheOptions>()
            .Configure<IServiceProvider>((redis, provider) => redis.ConnectionMultiplexerFactory = SharedConnection(provider));
        services.AddHybridCache(hybrid => hybrid.MaximumPayloadBytes = options.MaximumPayloadBytes)
            .AddSerializerFactory<JsonTypeInfoHybridCacheSerializerFactory>();

        // The engine stays a container singleton (disposed with it) under a key of its own; HybridCache is the adapter.
        var engine = services.Single(service => service.ServiceType == typeof(HybridCache) && !service.IsKeyedService);
        services.Remove(engine);
        services.AddKeyedSingleton(typeof(HybridCache), MicrosoftEngineKey, engine.ImplementationType!);
        services.AddSingleton<HybridCache>(services => ActivatorUtilities.CreateInstance<MicrosoftHybridCacheAdapter>(
            services, services.GetRequiredKeyedService<HybridCache>(MicrosoftEngineKey)));
    }

    private static Func<Task<IConnectionMultiplexer>> SharedConnection(IServiceProvider services) =>
        () => Task.FromResult(services.GetRequiredService<IConnectionMultiplexer>());
}
