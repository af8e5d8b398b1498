namespace Harmonia.AppHost.Infrastructure;

/// <summary>Where Redis and MongoDB come from when the AppHost runs.</summary>
public enum InfrastructureMode
{
    /// <summary>Pick <see cref="Containers"/> when a container runtime answers, otherwise <see cref="Local"/>.</summary>
    Auto,

    /// <summary>Redis and MongoDB containers, as Aspire runs them on a machine with Docker or Podman.</summary>
    Containers,

    /// <summary>
    /// Local processes for machines without a container runtime: Debian's <c>redis-server</c> and the
    /// jongodb MongoDB-wire server. Never used when publishing.
    /// </summary>
    Local,

    /// <summary>Servers the developer already runs, given as <c>ConnectionStrings:redis</c> and <c>ConnectionStrings:harmonia</c>.</summary>
    Existing,
}
