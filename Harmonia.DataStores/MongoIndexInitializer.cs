using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MongoDB.Driver;

namespace Harmonia.DataStores;

/// <summary>
/// Creates every feature's indexes in the background, retrying until MongoDB answers, so a service starts
/// even while MongoDB is briefly away. Until the indexes exist (unique ones guard data) the service reports
/// itself not ready.
/// </summary>
internal sealed partial class MongoIndexInitializer(
    IMongoDatabase database,
    IEnumerable<IMongoIndexes> features,
    TimeProvider timeProvider,
    ILogger<MongoIndexInitializer> logger) : BackgroundService, IHealthCheck
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    private volatile bool _created;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_created ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("MongoDB indexes are not created yet."));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var feature in features)
        {
            while (true)
            {
                try
                {
                    await feature.CreateAsync(database, stoppingToken);
                    break;
                }
                catch (Exception exception) when (exception is MongoException or TimeoutException)
                {
                    LogRetry(logger, feature.GetType().Name, exception);
                    await Task.Delay(RetryDelay, timeProvider, stoppingToken);
                }
            }
        }

        _created = true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Creating the {Feature} MongoDB indexes failed; retrying.")]
    private static partial void LogRetry(ILogger logger, string feature, Exception exception);
}
