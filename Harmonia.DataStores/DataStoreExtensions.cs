using Harmonia.ServiceDefaults.MongoDB;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;

namespace Harmonia.DataStores;

/// <summary>Connects a service to Harmonia's two data stores, as the AppHost names them.</summary>
public static class DataStoreExtensions
{
    private static readonly string[] DataStoreHealthChecks = ["StackExchange.Redis", "MongoDB.Driver"];
    private static readonly TimeSpan MongoServerSelectionTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RedisSpanDrainInterval = TimeSpan.FromMilliseconds(100);

    public static TBuilder AddHarmoniaDataStores<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        // Admin mode lets the metrics poller and the cache statistics read INFO; no code path issues other admin commands.
        builder.AddRedisClient(
            ConnectionNames.Redis,
            configureSettings: redis => redis.DisableTracing = true,
            configureOptions: redis => redis.AllowAdmin = true);
        // Redis spans come from OpenTelemetry's own instrumentation, because Aspire's copy cannot set its drain interval.
        // The instrumentation keeps every traced request's activity and command profiles until it drains them. At the
        // default of 10 s, each request that touched Redis outlived many GCs, and under rate limiting the API's pauses
        // averaged about 50 ms (docs/benchmarks.md).
        builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddRedisInstrumentation(redis => redis.FlushInterval = RedisSpanDrainInterval));
        MongoConventions.Register();
        builder.AddMongoDBClient(ConnectionNames.Database, configureClientSettings: client =>
        {
            client.ClusterConfigurator = MongoCommandMetrics.Subscribe;
            // When MongoDB is unreachable a request should turn into a 503 within seconds, not the driver's 30.
            client.ServerSelectionTimeout = MongoServerSelectionTimeout;
        });

        builder.Services.AddHostedService<DataStoreMetrics>();

        // Harmonia keeps serving through an outage of either store (cached reads without MongoDB,
        // MongoDB reads without Redis), so an unreachable store degrades /health rather than failing it:
        // a failing readiness probe would take every replica out of rotation at once.
        builder.Services.Configure<HealthCheckServiceOptions>(options =>
        {
            foreach (var registration in options.Registrations.Where(r => DataStoreHealthChecks.Contains(r.Name)))
            {
                registration.FailureStatus = HealthStatus.Degraded;
            }
        });

        return builder;
    }
}
