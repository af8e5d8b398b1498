using Harmonia.ServiceDefaults.MongoDB;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MongoDB.Driver;

namespace Harmonia.AppHost.Infrastructure.MongoDB;

/// <summary>
/// A small, faithful stand-in for Aspire.Hosting.MongoDB (not served to this build). Call sites read the
/// same (<c>AddMongoDB("mongo").WithDataVolume().AddDatabase("harmonia")</c>), so replacing these types with
/// the official package is a matter of deleting this folder, adding the package reference and changing a
/// <c>using</c>.
/// </summary>
public static class MongoDBBuilderExtensions
{
    public static IResourceBuilder<MongoDBServerResource> AddMongoDB(this IDistributedApplicationBuilder builder, [ResourceName] string name, int? port = null)
    {
        ArgumentNullException.ThrowIfNull(builder);

        var password = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-password", special: false);
        var server = new MongoDBServerResource(name, password);

        return builder.AddResource(server)
            .WithEndpoint(port: port, targetPort: MongoDBServerResource.DefaultPort, name: MongoDBServerResource.PrimaryEndpointName)
            .WithImage(MongoDBContainerImageTags.Image, MongoDBContainerImageTags.Tag)
            .WithImageRegistry(MongoDBContainerImageTags.Registry)
            .WithIconName("DatabaseMultiple")
            .WithEnvironment("MONGO_INITDB_ROOT_USERNAME", MongoDBServerResource.DefaultUserName)
            .WithEnvironment("MONGO_INITDB_ROOT_PASSWORD", password)
            .WithPingHealthCheck();
    }

    public static IResourceBuilder<MongoDBDatabaseResource> AddDatabase<TServer>(this IResourceBuilder<TServer> builder, [ResourceName] string name, string? databaseName = null)
        where TServer : IMongoDBServerResource
    {
        ArgumentNullException.ThrowIfNull(builder);

        var database = new MongoDBDatabaseResource(name, databaseName ?? name, builder.Resource);
        var databaseBuilder = builder.ApplicationBuilder.AddResource(database).WithIconName("Database");

        // Aspire passes a container's state on to its child resources, but not an executable's.
        return builder.Resource is ExecutableResource
            ? databaseBuilder.OnInitializeResource((_, @event, cancellationToken) => MirrorParentStateAsync(database, @event.Notifications, cancellationToken))
            : databaseBuilder;
    }

    private static async Task MirrorParentStateAsync(MongoDBDatabaseResource database, ResourceNotificationService notifications, CancellationToken cancellationToken)
    {
        await foreach (var update in notifications.WatchAsync(cancellationToken))
        {
            if (update.Resource == database.Parent)
            {
                await notifications.PublishUpdateAsync(database, snapshot => snapshot with
                {
                    State = update.Snapshot.State,
                    StartTimeStamp = update.Snapshot.StartTimeStamp,
                    StopTimeStamp = update.Snapshot.StopTimeStamp,
                });
            }
        }
    }

    /// <summary>Keeps <c>/data/db</c> in a named volume so data outlives the container.</summary>
    public static IResourceBuilder<MongoDBServerResource> WithDataVolume(this IResourceBuilder<MongoDBServerResource> builder, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(builder);

        return builder.WithVolume(name ?? VolumeNameGenerator.Generate(builder, "data"), "/data/db");
    }

    /// <summary>Reports the server healthy once it answers a ping; <c>WaitFor</c> on it or its databases waits for that.</summary>
    internal static IResourceBuilder<TServer> WithPingHealthCheck<TServer>(this IResourceBuilder<TServer> builder)
        where TServer : IResourceWithConnectionString
    {
        var key = $"{builder.Resource.Name}_check";
        string? connectionString = null;
        MongoClient? client = null;
        builder.ApplicationBuilder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            key,
            _ => new MongoDBHealthCheck(
                client ??= CreateProbeClient(connectionString ?? throw new InvalidOperationException($"The connection string of '{builder.Resource.Name}' is not available yet.")),
                "admin"),
            failureStatus: null,
            tags: null));
        return builder
            .OnConnectionStringAvailable(async (server, _, cancellationToken) => connectionString = await server.ConnectionStringExpression.GetValueAsync(cancellationToken))
            .WithHealthCheck(key);
    }

    /// <summary>One client serves every probe; a probe should answer quickly, where the driver's 30-second server selection would stall the dashboard.</summary>
    private static MongoClient CreateProbeClient(string connectionString)
    {
        var settings = MongoClientSettings.FromConnectionString(connectionString);
        settings.ServerSelectionTimeout = TimeSpan.FromSeconds(2);
        settings.ConnectTimeout = TimeSpan.FromSeconds(2);
        return new MongoClient(settings);
    }
}
