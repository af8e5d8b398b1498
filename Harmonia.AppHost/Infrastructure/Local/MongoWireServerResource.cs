using Harmonia.AppHost.Infrastructure.MongoDB;

namespace Harmonia.AppHost.Infrastructure.Local;

/// <summary>
/// jongodb, an in-memory MongoDB-wire server, as a local process for machines without a container runtime.
/// It is a development stand-in: no authentication, no persistence, and writes slow down as collections grow.
/// </summary>
public sealed class MongoWireServerResource(string name, string command, string workingDirectory)
    : ExecutableResource(name, command, workingDirectory), IMongoDBServerResource
{
    internal const string PrimaryEndpointName = "tcp";

    // jongodb's streaming heartbeat is unreliable; polling monitoring keeps the driver's pool stable.
    private const string ClientOptions = "?serverMonitoringMode=poll";

    public EndpointReference PrimaryEndpoint => field ??= new(this, PrimaryEndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"mongodb://{PrimaryEndpoint.Property(EndpointProperty.HostAndPort)}/{ClientOptions}");

    public ReferenceExpression BuildConnectionString(string databaseName) =>
        ReferenceExpression.Create($"mongodb://{PrimaryEndpoint.Property(EndpointProperty.HostAndPort)}/{databaseName:uri}{ClientOptions}");
}
