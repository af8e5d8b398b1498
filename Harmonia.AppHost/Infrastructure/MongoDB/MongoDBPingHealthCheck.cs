using Microsoft.Extensions.Diagnostics.HealthChecks;
using MongoDB.Bson;
using MongoDB.Driver;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// The AppHost-side check that gates <c>WaitFor</c> and colours the dashboard: healthy once the server
/// answers <c>{ ping: 1 }</c>. The connection string is read when first needed, after ports are allocated,
/// and one client serves every probe for the AppHost's lifetime.
/// </summary>
internal sealed class MongoDBPingHealthCheck(IResourceWithConnectionString server) : IHealthCheck
{
    private static readonly BsonDocumentCommand<BsonDocument> Ping = new(new BsonDocument("ping", 1));

    private MongoClient? _client;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            _client ??= await CreateClientAsync(cancellationToken);
            await _client.GetDatabase("admin").RunCommandAsync(Ping, cancellationToken: cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception exception) when (exception is MongoException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy(exception.Message, exception);
        }
    }

    private async Task<MongoClient> CreateClientAsync(CancellationToken cancellationToken)
    {
        var connectionString = await server.GetConnectionStringAsync(cancellationToken)
            ?? throw new InvalidOperationException($"The connection string of '{server.Name}' is not available yet.");
        var settings = MongoClientSettings.FromConnectionString(connectionString);
        // A probe should answer quickly; the driver's 30-second server selection would stall the dashboard.
        settings.ServerSelectionTimeout = TimeSpan.FromSeconds(2);
        settings.ConnectTimeout = TimeSpan.FromSeconds(2);
        return new MongoClient(settings);
    }
}
