using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Harmonia.AppHost.Infrastructure.Local;

/// <summary>
/// A three-primary Redis Cluster from Debian's <c>redis-server</c>, made the way Redis's own tutorial makes one:
/// start nodes with <c>cluster-enabled yes</c>, then let <c>redis-cli --cluster create</c> hand out the slots.
/// </summary>
[SupportedOSPlatform("linux")]
public static class LocalRedisClusterExtensions
{
    /// <summary>The fewest primaries <c>redis-cli --cluster create</c> accepts: a majority must remain to agree that a node failed.</summary>
    public const int NodeCount = 3;

    private const string ClientEndpointName = "tcp";
    private const string BusEndpointName = "bus";

    /// <summary>
    /// Adds the nodes (<c>{name}-1</c> … <c>{name}-3</c>), the step that forms the cluster (<c>{name}-create</c>) and
    /// the cluster itself (<c>{name}</c>), which reports healthy once every node says <c>cluster_state:ok</c>.
    /// </summary>
    public static IResourceBuilder<LocalRedisClusterResource> AddLocalRedisCluster(
        this IDistributedApplicationBuilder builder, [ResourceName] string name, string redisServerPath, string redisCliPath)
    {
        var password = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-password", special: false);
        var cluster = new LocalRedisClusterResource(name, password);
        var clusterBuilder = builder.AddResource(cluster)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "RedisCluster",
                State = KnownResourceStates.Waiting,
                Properties = [new ResourcePropertySnapshot("harmonia.redis.nodes", NodeCount)],
            })
            .WithIconName("DatabaseStack");

        var workingDirectory = Directory.CreateTempSubdirectory("harmonia-redis-cluster-").FullName;
        var nodes = Enumerable.Range(1, NodeCount)
            .Select(number => builder.AddClusterNode(cluster, $"{name}-{number}", redisServerPath, Path.Combine(workingDirectory, $"node-{number}")))
            .ToList();

        // Joins the nodes and assigns the slots, then exits. The password comes from the environment (REDISCLI_AUTH),
        // so it never appears on a command line.
        var create = builder.AddExecutable($"{name}-create", redisCliPath, workingDirectory)
            .WithArgs(context =>
            {
                context.Args.Add("--cluster");
                context.Args.Add("create");
                foreach (var node in cluster.Nodes)
                {
                    context.Args.Add(LocalRedisClusterResource.NodeAddress(node));
                }

                context.Args.Add("--cluster-replicas");
                context.Args.Add("0");
                context.Args.Add("--cluster-yes");
            })
            .WithEnvironment("REDISCLI_AUTH", password)
            .WithParentRelationship(cluster)
            .WithIconName("BranchFork");
        foreach (var node in nodes)
        {
            create.WaitFor(node);
        }

        string? connectionString = null;
        var healthCheckKey = $"{name}_check";
        // AspNetCore.HealthChecks.Redis asks every node for CLUSTER INFO and is healthy only when each says cluster_state:ok.
        builder.Services.AddHealthChecks().AddRedis(
            _ => connectionString ?? throw new InvalidOperationException("The Redis Cluster is not formed yet."),
            name: healthCheckKey);

        return clusterBuilder
            .OnInitializeResource(async (resource, @event, cancellationToken) =>
            {
                var formed = await @event.Notifications.WaitForResourceAsync(
                    create.Resource.Name, update => KnownResourceStates.TerminalStates.Contains(update.Snapshot.State?.Text), cancellationToken);
                if (formed.Snapshot.ExitCode != 0)
                {
                    await @event.Notifications.PublishUpdateAsync(resource, snapshot => snapshot with { State = KnownResourceStates.FailedToStart });
                    return;
                }

                connectionString = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken);
                await @event.Notifications.PublishUpdateAsync(resource, snapshot => snapshot with
                {
                    State = KnownResourceStates.Running,
                    StartTimeStamp = DateTime.UtcNow,
                });
            })
            .WithHealthCheck(healthCheckKey);
    }

    /// <summary>
    /// One node: loopback only, password from a config file as the standalone local Redis has it, Harmonia's memory
    /// and persistence settings, and its cluster state (<c>nodes.conf</c>) in a directory of its own, so a node the
    /// dashboard restarts rejoins with its slots. Both ports are DCP-allocated and not proxied: cluster clients are
    /// redirected to the addresses nodes announce, which must be the ones they listen on.
    /// </summary>
    private static IResourceBuilder<ExecutableResource> AddClusterNode(
        this IDistributedApplicationBuilder builder, LocalRedisClusterResource cluster, string name, string redisServerPath, string workingDirectory)
    {
        Directory.CreateDirectory(workingDirectory);
        var configFile = Path.Combine(workingDirectory, "redis.conf");
        var node = builder.AddExecutable(name, redisServerPath, workingDirectory)
            .WithEndpoint(name: ClientEndpointName, scheme: "tcp", isProxied: false)
            .WithEndpoint(name: BusEndpointName, scheme: "tcp", isProxied: false);
        var client = node.GetEndpoint(ClientEndpointName);
        var bus = node.GetEndpoint(BusEndpointName);
        cluster.AddNode(client);

        var healthCheckKey = $"{name}_listening";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthCheckKey, _ => new ListeningHealthCheck(client), failureStatus: null, tags: null));

        return node
            .WithArgs(context =>
            {
                context.Args.Add(configFile);
                context.Args.Add("--port");
                context.Args.Add(client.Property(EndpointProperty.TargetPort));
                context.Args.Add("--cluster-enabled");
                context.Args.Add("yes");
                context.Args.Add("--cluster-config-file");
                context.Args.Add("nodes.conf");
                context.Args.Add("--cluster-port");
                context.Args.Add(bus.Property(EndpointProperty.TargetPort));
                foreach (var argument in RedisSettings.Arguments)
                {
                    context.Args.Add(argument);
                }
            })
            .OnBeforeResourceStarted((_, _, cancellationToken) =>
                LocalInfrastructureExtensions.WriteRedisConfigAsync(configFile, cluster.PasswordParameter, cancellationToken))
            .WithHealthCheck(healthCheckKey)
            .WithParentRelationship(cluster)
            .WithIconName("Database");
    }

    /// <summary>
    /// Healthy once the node accepts connections, which is all forming the cluster needs. (A Redis health check would
    /// wait for <c>cluster_state:ok</c>, which only forming the cluster brings.)
    /// </summary>
    private sealed class ListeningHealthCheck(EndpointReference endpoint) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, endpoint.Port, cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (SocketException exception)
            {
                return HealthCheckResult.Unhealthy($"Nothing listens on port {endpoint.Port} yet.", exception);
            }
        }
    }
}
