using Microsoft.Extensions.Diagnostics.HealthChecks;
using MongoDB.Bson;
using MongoDB.Driver;

namespace Harmonia.ServiceDefaults.MongoDB;

/// <summary>
/// Healthy when the database answers <c>{ ping: 1 }</c>. The AppHost compiles this same file to gate
/// <c>WaitFor</c> on its MongoDB resources, so services and the dashboard agree on what healthy means.
/// </summary>
internal sealed class MongoDBHealthCheck(IMongoClient client, string databaseName) : IHealthCheck
{
    private static readonly BsonDocumentCommand<BsonDocument> Ping = new(new BsonDocument("ping", 1));

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await client.GetDatabase(databaseName).RunCommandAsync(Ping, cancellationToken: cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception exception) when (exception is MongoException or TimeoutException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, exception: exception);
        }
    }
}
