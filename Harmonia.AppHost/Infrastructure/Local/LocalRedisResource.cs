namespace Harmonia.AppHost.Infrastructure.Local;

/// <summary>
/// Debian's <c>redis-server</c> as a local process, for machines without a container runtime. It reads a
/// generated config file (so the password never appears on a command line), listens on loopback only and
/// keeps nothing on disk: Harmonia treats Redis as losable by design.
/// </summary>
public sealed class LocalRedisResource(string name, string command, string workingDirectory, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    internal const string PrimaryEndpointName = "tcp";

    public EndpointReference PrimaryEndpoint => field ??= new(this, PrimaryEndpointName);

    public ParameterResource PasswordParameter { get; } = password;

    /// <summary>The config file written just before the process starts.</summary>
    internal string ConfigFilePath => Path.Combine(WorkingDirectory, "redis.conf");

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.HostAndPort)},password={PasswordParameter}");
}
