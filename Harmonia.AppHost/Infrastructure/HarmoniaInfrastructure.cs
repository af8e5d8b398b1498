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
    /// a container runtime when it says <c>Auto</c>. Publishing always takes Redis as a container, and MongoDB and
    /// SMTP as managed services' connection strings (MongoDB must not keep its data on Azure Files volumes, and
    /// smtp4dev delivers nothing).
    /// </summary>
    public static HarmoniaInfrastructure AddHarmoniaInfrastructure(this IDistributedApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(InfrastructureOptions.SectionName).Get<InfrastructureOptions>() ?? new();
        using var loggerFactory = LoggerFactory.Create(logging => logging.AddSimpleConsole(console => console.SingleLine = true));
        var logger = loggerFactory.CreateLogger(InfrastructureLog.Category);

        var infrastructure = builder.ExecutionContext.IsPublishMode
            ? AddForPublishing(builder, options.Mode)
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

    private static HarmoniaInfrastructure AddForPublishing(IDistributedApplicationBuilder builder, InfrastructureMode configured)
    {
        if (configured is InfrastructureMode.Local)
        {
            throw new DistributedApplicationException("Local infrastructure mode runs processes on this machine and cannot be published; remove Harmonia:Infrastructure:Mode=Local.");
        }

        return new(
            InfrastructureMode.Containers,
            builder.AddRedis(RedisName).WithHarmoniaSettings(),
            builder.AddConnectionString(DatabaseName),
            builder.AddConnectionString(MailName));
    }

    private static HarmoniaInfrastructure AddContainers(IDistributedApplicationBuilder builder, InfrastructureOptions options)
    {
        var redis = builder.AddRedis(RedisName).WithHarmoniaSettings().WithInfrastructureMode(InfrastructureMode.Containers);
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
        var redis = builder.AddLocalRedis(RedisName, toolchain.RedisServer()).WithInfrastructureMode(InfrastructureMode.Local);
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

    /// <summary>Lists the mode among the resource's properties on the dashboard.</summary>
    private static IResourceBuilder<T> WithInfrastructureMode<T>(this IResourceBuilder<T> builder, InfrastructureMode mode)
        where T : IResource =>
        builder.OnBeforeResourceStarted((resource, @event, _) =>
            @event.Services.GetRequiredService<ResourceNotificationService>().PublishUpdateAsync(resource, snapshot => snapshot with
            {
                Properties = [.. snapshot.Properties, new ResourcePropertySnapshot("harmonia.infrastructure.mode", mode.ToString())],
            }));
}
