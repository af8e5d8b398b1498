namespace Harmonia.AppHost.Infrastructure;

/// <summary>How the Redis the AppHost runs is laid out.</summary>
public enum RedisTopology
{
    /// <summary>One Redis server: what most deployments need, and the cheapest to run.</summary>
    Standalone,

    /// <summary>
    /// A Redis Cluster of three primaries sharing the 16,384 hash slots, as Azure Managed Redis and Redis
    /// Enterprise present themselves to clients. Local mode only; a cluster that exists elsewhere is used
    /// through <see cref="InfrastructureMode.Existing"/> with its connection string as is.
    /// </summary>
    Cluster,
}
