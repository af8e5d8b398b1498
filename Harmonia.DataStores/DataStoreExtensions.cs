using Harmonia.ServiceDefaults.MongoDB;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using MongoDB.Driver;
using OpenTelemetry.Trace;
using StackExchange.Redis;

namespace Harmonia.DataStores;

/// <summary>Connects a service to Harmonia's two data stores, as the AppHost names them.</summary>
public static class DataStoreExtensions
{
    private static readonly string[] DataStoreHealthChecks = ["StackExchange.Redis", "MongoDB.Driver"];
    private static readonly TimeSpan MongoWaitBound = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RedisSpanDrainInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan RedisHeartbeat = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan RedisConnectTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan RedisReconnectInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Every Redis call fails within <see cref="RedisClientOptions.CommandTimeout"/> (half a second unless set) rather
    /// than StackExchange.Redis's defaults (5 s), because every caller has a fallback (MongoDB, local decisions, the
    /// reconciler) and a request must not wait on a dead Redis. Measured: with the defaults, a read issued while the
    /// connection was down sat in the client's backlog until its 5 s timeout, and timeouts are only checked on the 1 s
    /// heartbeat, so one read took 6.2 s after Redis was killed (docs/resilience.md).
    /// </summary>
    internal static void BoundRedisWaits(ConfigurationOptions redis, IOptions<RedisClientOptions> client)
    {
        // While disconnected, fail at once instead of queueing until the timeout.
        redis.BacklogPolicy = BacklogPolicy.FailFast;
        redis.AsyncTimeout = (int)client.Value.CommandTimeout.TotalMilliseconds;
        redis.SyncTimeout = (int)client.Value.CommandTimeout.TotalMilliseconds;
        // Timeouts are detected, and reconnects attempted, on the heartbeat.
        redis.HeartbeatInterval = RedisHeartbeat;
        redis.ConnectTimeout = (int)RedisConnectTimeout.TotalMilliseconds;
        // Try a lost connection again every half second, not with a backoff that grows to 10 s: a Redis that is back
        // is used within a second, which is what lets jobs resume within seconds of it returning.
        redis.ReconnectRetryPolicy = new LinearRetry((int)RedisReconnectInterval.TotalMilliseconds);
    }

    /// <summary>
    /// Every MongoDB wait ends within seconds too, so a request turns into a 503 rather than waiting out the driver's
    /// defaults (30 s to select a server, 30 s to connect, 2 min for a pooled connection, and no bound at all on an
    /// answer). A server that stops answering on an open connection (a hung process, a network that drops packets)
    /// is not unreachable, so server selection alone did not cover it: with MongoDB stopped by SIGSTOP, a write
    /// waited 36 s for the driver's heartbeat to give the server up, and the cache's read that timed out held its
    /// key for as long as MongoDB stayed silent (docs/resilience.md). The socket bound is far above any single
    /// operation Harmonia sends. The bounds are per attempt, so a write the driver retries on a replica set waits up to
    /// three of them; the driver's whole-operation bound (<c>timeoutMS</c>) is internal in 3.14.0, and a connection
    /// string's <c>timeoutMS</c> is silently ignored (docs/resilience.md).
    /// </summary>
    private static void BoundMongoWaits(MongoClientSettings client)
    {
        client.ServerSelectionTimeout = MongoWaitBound;
        client.ConnectTimeout = MongoWaitBound;
        client.WaitQueueTimeout = MongoWaitBound;
        client.SocketTimeout = MongoWaitBound;
    }

    public static TBuilder AddHarmoniaDataStores<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddRedisClient(
            ConnectionNames.Redis,
            configureSettings: redis => redis.DisableTracing = true,
            // Admin mode lets the metrics poller and the cache statistics read INFO; no code path issues other admin commands.
            configureOptions: redis => redis.AllowAdmin = true);
        builder.Services.AddOptions<RedisClientOptions>()
            .BindConfiguration(RedisClientOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        // Registered after the Redis client's own configuration, so these bounds win over its ConfigurationOptions section.
        builder.Services.AddOptions<ConfigurationOptions>().Configure<IOptions<RedisClientOptions>>(BoundRedisWaits);
        // Redis spans come from OpenTelemetry's own instrumentation, because Aspire's copy cannot set its drain interval.
        // The instrumentation keeps every traced request's activity and command profiles until it drains them. At the
        // default of 10 s, each request that touched Redis outlived many GCs, and under rate limiting the API's pauses
        // averaged about 50 ms (docs/benchmarks.md).
        builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddRedisInstrumentation(redis => redis.FlushInterval = RedisSpanDrainInterval));
        MongoConventions.Register();
        builder.AddMongoDBClient(ConnectionNames.Database, configureClientSettings: client =>
        {
            client.ClusterConfigurator = MongoCommandMetrics.Subscribe;
            BoundMongoWaits(client);
        });

        builder.Services.AddHostedService<DataStoreMetrics>();

        // Harmonia keeps serving through an outage of either store (cached reads without MongoDB,
        // MongoDB reads without Redis), so an unreachable store degrades /health rather than failing it:
        // a failing readiness probe would take every replica out of rotation at once. And since anyone may call
        // /health as often as they like, each store is checked at most once a second, whatever the request rate.
        builder.Services.AddOptions<HealthCheckServiceOptions>().Configure<IServiceProvider, TimeProvider>((options, services, time) =>
        {
            foreach (var registration in options.Registrations.Where(r => DataStoreHealthChecks.Contains(r.Name)))
            {
                registration.FailureStatus = HealthStatus.Degraded;
                ThrottledHealthCheck.Wrap(registration, services, time);
            }
        });

        return builder;
    }
}
