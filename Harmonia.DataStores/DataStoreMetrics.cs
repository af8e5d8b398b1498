using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MongoDB.Driver;
using StackExchange.Redis;

namespace Harmonia.DataStores;

/// <summary>
/// Where the data stores' memory goes, polled in the background rather than per request: Redis memory, its
/// limit, evicted and expired keys and keyspace hits and misses (from <c>INFO</c>, every 15 s, summed over the
/// primaries of a cluster), and the
/// document count of each collection the service owns (every minute; <c>count</c> is cheap, storage
/// statistics are not available on every MongoDB-compatible server).
/// </summary>
internal sealed partial class DataStoreMetrics : BackgroundService
{
    public const string MeterName = "Harmonia.DataStores";

    private static readonly TimeSpan RedisInterval = TimeSpan.FromSeconds(15);
    private static readonly int MongoEveryNthPoll = 4;

    private readonly IConnectionMultiplexer _redis;
    private readonly IMongoDatabase _database;
    private readonly string[] _collections;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<DataStoreMetrics> _logger;
    private volatile RedisServerInfo _redisInfo = RedisServerInfo.Unavailable;
    private volatile Dictionary<string, long> _documentCounts = [];

    public DataStoreMetrics(
        IConnectionMultiplexer redis,
        IMongoDatabase database,
        IEnumerable<IMongoIndexes> features,
        IMeterFactory meterFactory,
        TimeProvider timeProvider,
        ILogger<DataStoreMetrics> logger)
    {
        _redis = redis;
        _database = database;
        _collections = [.. features.SelectMany(feature => feature.Collections).Distinct()];
        _timeProvider = timeProvider;
        _logger = logger;

        var meter = meterFactory.Create(MeterName);
        meter.CreateObservableGauge("harmonia.redis.memory.used", () => RedisValue("used_memory"), unit: "By", description: "Memory Redis uses.");
        meter.CreateObservableGauge("harmonia.redis.memory.limit", () => RedisValue("maxmemory"), unit: "By", description: "Redis's maxmemory; beyond it, keys are evicted.");
        meter.CreateObservableCounter("harmonia.redis.keys.evicted", () => RedisValue("evicted_keys"), description: "Keys Redis evicted to stay under maxmemory.");
        meter.CreateObservableCounter("harmonia.redis.keys.expired", () => RedisValue("expired_keys"), description: "Keys that expired in Redis.");
        meter.CreateObservableCounter("harmonia.redis.keyspace.hits", () => RedisValue("keyspace_hits"), description: "Successful key lookups in Redis.");
        meter.CreateObservableCounter("harmonia.redis.keyspace.misses", () => RedisValue("keyspace_misses"), description: "Failed key lookups in Redis.");
        meter.CreateObservableGauge(
            "harmonia.mongodb.documents",
            () => _documentCounts.Select(count => new Measurement<long>(count.Value, new KeyValuePair<string, object?>("db.collection.name", count.Key))),
            description: "Documents per collection.");
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var poll = 0;
        return BackgroundRounds.RunAsync(
            RedisInterval,
            _timeProvider,
            async cancellationToken =>
            {
                await PollRedisAsync();
                if (poll++ % MongoEveryNthPoll == 0)
                {
                    await CountDocumentsAsync(cancellationToken);
                }
            },
            exception => LogPollFailed(_logger, "Redis or MongoDB", exception),
            stoppingToken);
    }

    private IEnumerable<Measurement<long>> RedisValue(string field) =>
        _redisInfo.Number(field) is { } value ? [new Measurement<long>(value)] : [];

    private async Task PollRedisAsync()
    {
        try
        {
            if (await RedisServerInfo.ReadAsync(_redis) is { IsAvailable: true } info)
            {
                _redisInfo = info;
            }
        }
        catch (Exception exception) when (exception.IsRedisFailure() || exception is RedisCommandException)
        {
            LogPollFailed(_logger, "Redis", exception);
        }
    }

    private async Task CountDocumentsAsync(CancellationToken cancellationToken)
    {
        try
        {
            var counts = new Dictionary<string, long>();
            foreach (var collection in _collections)
            {
                counts[collection] = await _database.GetCollection<object>(collection).EstimatedDocumentCountAsync(cancellationToken: cancellationToken);
            }

            _documentCounts = counts;
        }
        catch (Exception exception) when (exception is MongoException or TimeoutException)
        {
            LogPollFailed(_logger, "MongoDB", exception);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Polling {Store} for metrics failed; the gauges keep their last values.")]
    private static partial void LogPollFailed(ILogger logger, string store, Exception exception);
}
