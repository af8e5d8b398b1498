using System.Runtime.Versioning;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace Aspire.Hosting;

/// <summary>Redis and MongoDB as local processes, for machines without a container runtime.</summary>
[SupportedOSPlatform("linux")]
public static class LocalInfrastructureExtensions
{
    /// <summary>
    /// Settings from Harmonia's original Redis design that suit a store whose loss loses nothing:
    /// bounded memory with LRU eviction over all keys, no persistence, a slow log for diagnosis.
    /// </summary>
    private static readonly string[] RedisSettings =
    [
        "bind 127.0.0.1",
        "protected-mode yes",
        "save \"\"",
        "appendonly no",
        "maxmemory 256mb",
        "maxmemory-policy allkeys-lru",
        "slowlog-log-slower-than 10000",
        "slowlog-max-len 128",
    ];

    public static IResourceBuilder<LocalRedisResource> AddLocalRedis(this IDistributedApplicationBuilder builder, [ResourceName] string name, string redisServerPath)
    {
        var password = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-password", special: false);
        var workingDirectory = Directory.CreateTempSubdirectory("harmonia-redis-").FullName;
        var redis = new LocalRedisResource(name, redisServerPath, workingDirectory, password);

        string? connectionString = null;
        var healthCheckKey = $"{name}_check";
        builder.Services.AddHealthChecks().AddRedis(
            _ => connectionString ?? throw new InvalidOperationException("The Redis connection string is not available yet."),
            name: healthCheckKey);

        return builder.AddResource(redis)
            .WithEndpoint(name: LocalRedisResource.PrimaryEndpointName, scheme: "tcp")
            .WithArgs(context =>
            {
                context.Args.Add(redis.ConfigFilePath);
                context.Args.Add("--port");
                context.Args.Add(redis.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
            })
            .OnBeforeResourceStarted(async (resource, _, cancellationToken) =>
            {
                var secret = await resource.PasswordParameter.GetValueAsync(cancellationToken);
                await File.WriteAllLinesAsync(resource.ConfigFilePath, [.. RedisSettings, $"requirepass {secret}"], cancellationToken);
                File.SetUnixFileMode(resource.ConfigFilePath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            })
            .OnConnectionStringAvailable(async (resource, _, cancellationToken) =>
                connectionString = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken))
            .WithHealthCheck(healthCheckKey)
            .WithIconName("Database");
    }

    public static IResourceBuilder<MongoWireServerResource> AddMongoWireServer(this IDistributedApplicationBuilder builder, [ResourceName] string name, string jongodbPath)
    {
        var server = new MongoWireServerResource(name, jongodbPath, Path.GetTempPath());

        return builder.AddResource(server)
            .WithEndpoint(name: MongoWireServerResource.PrimaryEndpointName, scheme: "tcp")
            .WithArgs(context =>
            {
                context.Args.Add("--host=127.0.0.1");
                context.Args.Add(ReferenceExpression.Create(
                    $"--port={server.PrimaryEndpoint.Property(EndpointProperty.TargetPort)}"));
            })
            .WithPingHealthCheck()
            .WithIconName("DatabaseMultiple");
    }
}
