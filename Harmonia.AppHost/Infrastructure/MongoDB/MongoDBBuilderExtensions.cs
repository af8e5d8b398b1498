using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.MongoDB;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Hosting;

/// <summary>
/// A small, faithful stand-in for Aspire.Hosting.MongoDB (not served to this build). Call sites read the
/// same (<c>AddMongoDB("mongo").WithDataVolume().AddDatabase("harmonia")</c>), so replacing these types with
/// the official package is a matter of deleting this folder and adding the package reference.
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
        var check = new MongoDBPingHealthCheck(builder.Resource);
        builder.ApplicationBuilder.Services.AddHealthChecks()
            .Add(new HealthCheckRegistration(key, _ => check, failureStatus: null, tags: null));
        return builder.WithHealthCheck(key);
    }
}
