namespace Harmonia.AppHost.Infrastructure;

/// <summary>The <c>Harmonia:Infrastructure</c> configuration section.</summary>
public sealed class InfrastructureOptions
{
    public const string SectionName = "Harmonia:Infrastructure";

    /// <summary>Where Redis and MongoDB come from; <see cref="InfrastructureMode.Auto"/> probes for a container runtime.</summary>
    public InfrastructureMode Mode { get; set; } = InfrastructureMode.Auto;

    /// <summary>One Redis server, or a three-primary Redis Cluster (Local mode) to run what a clustered Redis runs.</summary>
    public RedisTopology RedisTopology { get; set; } = RedisTopology.Standalone;

    /// <summary>The Redis a published deployment gets: the Redis container app, or Azure Managed Redis (infra/main.bicep reads it too).</summary>
    public PublishedRedis PublishedRedis { get; set; } = PublishedRedis.Container;

    /// <summary>The <c>redis-server</c> binary for local mode; found on PATH when unset.</summary>
    public string? RedisServerPath { get; set; }

    /// <summary>The jongodb binary for local mode; fetched from npm into the user cache when unset.</summary>
    public string? JongodbPath { get; set; }

    /// <summary>
    /// The host port of the mail server's web UI in Local and Containers modes, fixed so a developer can bookmark
    /// it; 0 allocates a free port per run (the integration tests do, so they never collide with a developer's AppHost).
    /// </summary>
    public int MailUiPort { get; set; } = DefaultMailUiPort;

    public const int DefaultMailUiPort = 5300;

    /// <summary>The UI port to bind, or null to allocate one.</summary>
    public int? MailUiHostPort => MailUiPort > 0 ? MailUiPort : null;
}
