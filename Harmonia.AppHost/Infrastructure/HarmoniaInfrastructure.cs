using Harmonia.AppHost.Infrastructure.Local;
using Harmonia.AppHost.Infrastructure.Mail;
using Harmonia.AppHost.Infrastructure.MongoDB;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Harmonia.AppHost.Infrastructure;

/// <summary>Harmonia's two data stores and its mail server, however this run provides them.</summary>
/// <param name="Redis">Referenced by services as <c>ConnectionStrings:redis</c>.</param>
/// <param name="Database">The <c>harmonia</c> MongoDB database, referenced as <c>ConnectionStrings:harmonia</c>.</param>
/// <param name="Mail">The SMTP server, referenced as <c>ConnectionStrings:mail</c>: smtp4dev locally, a provider's endpoint when deployed.</param>
public sealed record HarmoniaInfrastructure(
    InfrastructureMode Mode,
    IResourceBuilder<IResourceWithConnectionString> Redis,
    IResourceBuilder<IResourceWithConnectionString> Database,
    IResourceBuilder<IResourceWithConnectionString> Mail);

public static class HarmoniaInfrastructureExtensions
{
    private const string RedisName = "redis";
    private const string MongoName = "mongo";
    private const string DatabaseName = "harmonia";
    private const string MailName = "mail";

    /// <summary>
    /// Adds Redis, MongoDB and the mail server in the mode <c>Harmonia:Infrastructure:Mode</c> asks for, probing for
    /// a container runtime when it says <c>Auto</c>. Publishing takes Redis as a container or as Azure Managed Redis
    /// (<c>Harmonia:Infrastructure:PublishedRedis</c>), and MongoDB and SMTP as managed services' connection strings
    /// (MongoDB must not keep its data on Azure Files volumes, and smtp4dev delivers nothing).
    /// </summary>
    public static HarmoniaInfrastructure AddHarmoniaInfrastructure(this IDistributedApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(InfrastructureOptions.SectionName).Get<InfrastructureOptions>() ?? new();
        using var loggerFactory = LoggerFactory.Create(logging => logging.AddSimpleConsole(console => console.SingleLine = true));
        var logger = loggerFactory.CreateLogger(InfrastructureLog.Category);

        var infrastructure = builder.ExecutionContext.IsPublishMode
            ? AddForPublishing(builder, options)
            : ResolveRunMode(builder, options.Mode) switch
            {
                InfrastructureMode.Containers => AddContainers(builder, options),
                InfrastructureMode.Local => AddLocalProcesses(builder, options, logger),
                _ => AddExisting(builder),
            };

        builder.Eventing.Subscribe<BeforeStartEvent>((@event, _) =>
        {
            @event.Services.GetRequiredService<ILoggerFactory>().CreateLogger(InfrastructureLog.Category).ModeChosen(infrastructure.Mode);
            return Task.CompletedTask;
        });

        return infrastructure;
    }

    private static InfrastructureMode ResolveRunMode(IDistributedApplicationBuilder builder, InfrastructureMode configured)
    {
        if (configured is not InfrastructureMode.Auto)
        {
            return configured;
        }

        var runtime = builder.Configuration["ASPIRE_CONTAINER_RUNTIME"] is { Length: > 0 } chosen ? chosen : "docker";
        return ContainerRuntimeProbe.IsHealthy(runtime) ? InfrastructureMode.Containers : InfrastructureMode.Local;
    }

    private static HarmoniaInfrastructure AddForPublishing(IDistributedApplicationBuilder builder, InfrastructureOptions options)
    {
        if (options.Mode is InfrastructureMode.Local)
        {
            throw new DistributedApplicationException("Local infrastructure mode runs processes on this machine and cannot be published; remove Harmonia:Infrastructure:Mode=Local.");
        }

        if (options.RedisTopology is RedisTopology.Cluster)
        {
            throw new DistributedApplicationException(
                "Harmonia:Infrastructure:RedisTopology=Cluster runs a Redis Cluster on this machine and cannot be published; " +
                "for a clustered Redis in Azure, publish with Harmonia:Infrastructure:PublishedRedis=AzureManagedRedis (docs/scale-out.md).");
        }

        IResourceBuilder<IResourceWithConnectionString> redis = options.PublishedRedis is PublishedRedis.AzureManagedRedis
            ? builder.AddAzureManagedRedisConnection(RedisName)
            : builder.AddRedis(RedisName, password: RedisPassword(builder)).WithHarmoniaSettings();
        return new(InfrastructureMode.Containers, redis, builder.AddConnectionString(DatabaseName), builder.AddConnectionString(MailName));
    }

    /// <summary>
    /// The Redis container's password: 32 characters at least, as the original design asks (Aspire's default is 22);
    /// azd generates it to the same rule (main.bicep), and DeployTests check that it stays so.
    /// </summary>
    private static IResourceBuilder<ParameterResource> RedisPassword(IDistributedApplicationBuilder builder) =>
        builder.AddParameter($"{RedisName}-password", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);

    private static HarmoniaInfrastructure AddContainers(IDistributedApplicationBuilder builder, InfrastructureOptions options)
    {
        if (options.RedisTopology is RedisTopology.Cluster)
        {
            // Cluster nodes announce the addresses clients must reach them at; behind container port mappings those
            // are not the addresses the nodes see, and Aspire's Redis resource is one server.
            throw new DistributedApplicationException(
                "Harmonia:Infrastructure:RedisTopology=Cluster runs in Local mode (three redis-server processes); " +
                "with a container runtime, add --Harmonia:Infrastructure:Mode=Local, or use a cluster you run with Mode=Existing.");
        }

        var redis = builder.AddRedis(RedisName, password: RedisPassword(builder)).WithHarmoniaSettings().WithInfrastructureMode(InfrastructureMode.Containers);
        var mongo = builder.AddMongoDB(MongoName).WithDataVolume().WithInfrastructureMode(InfrastructureMode.Containers);
        var mail = builder.AddMailServerContainer(MailName, options.MailUiHostPort).WithInfrastructureMode(InfrastructureMode.Containers);
        return new(InfrastructureMode.Containers, redis, mongo.AddDatabase(DatabaseName), mail);
    }

    private static HarmoniaInfrastructure AddLocalProcesses(IDistributedApplicationBuilder builder, InfrastructureOptions options, ILogger logger)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new DistributedApplicationException("Local infrastructure mode runs Linux x64 binaries; on this OS use Harmonia:Infrastructure:Mode=Containers or Existing.");
        }

        var toolchain = new LocalToolchain(options, logger);
        var redisServer = toolchain.RedisServer();
        IResourceBuilder<IResourceWithConnectionString> redis = options.RedisTopology is RedisTopology.Cluster
            ? builder.AddLocalRedisCluster(RedisName, redisServer, LocalToolchain.RedisCli(redisServer))
            : builder.AddLocalRedis(RedisName, redisServer);
        redis.WithInfrastructureMode(InfrastructureMode.Local);
        var mongo = builder.AddMongoWireServer(MongoName, toolchain.Jongodb()).WithInfrastructureMode(InfrastructureMode.Local);
        var mail = builder.AddLocalMailServer(MailName, toolchain.Smtp4dev(), options.MailUiHostPort).WithInfrastructureMode(InfrastructureMode.Local);
        return new(InfrastructureMode.Local, redis, mongo.AddDatabase(DatabaseName), mail);
    }

    private static HarmoniaInfrastructure AddExisting(IDistributedApplicationBuilder builder) =>
        new(
            InfrastructureMode.Existing,
            builder.AddConnectionString(RedisName),
            builder.AddConnectionString(DatabaseName),
            builder.AddConnectionString(MailName));

    /// <summary>
    /// Lists the mode among the resource's properties on the dashboard: when the orchestrator starts the resource, or
    /// at once for a resource it does not start (the local Redis Cluster, whose nodes are its children).
    /// </summary>
    private static IResourceBuilder<T> WithInfrastructureMode<T>(this IResourceBuilder<T> builder, InfrastructureMode mode)
        where T : IResource
    {
        Task Publish(T resource, ResourceNotificationService notifications) =>
            notifications.PublishUpdateAsync(resource, snapshot => snapshot with
            {
                Properties = [.. snapshot.Properties, new ResourcePropertySnapshot("harmonia.infrastructure.mode", mode.ToString())],
            });

        return builder.Resource is ExecutableResource or ContainerResource
            ? builder.OnBeforeResourceStarted((resource, @event, _) => Publish(resource, @event.Services.GetRequiredService<ResourceNotificationService>()))
            : builder.OnInitializeResource((resource, @event, _) => Publish(resource, @event.Notifications));
    }
}
