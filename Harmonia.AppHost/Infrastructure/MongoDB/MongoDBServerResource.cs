namespace Harmonia.AppHost.Infrastructure.MongoDB;

/// <summary>
/// A MongoDB server container. Mirrors Aspire.Hosting.MongoDB's resource of the same name (not served
/// to this build): endpoint <c>tcp</c> on 27017, root user <c>admin</c>, SCRAM-SHA-256 against <c>admin</c>.
/// </summary>
public sealed class MongoDBServerResource(string name, ParameterResource password)
    : ContainerResource(name), IMongoDBServerResource
{
    internal const string PrimaryEndpointName = "tcp";
    internal const int DefaultPort = 27017;
    internal const string DefaultUserName = "admin";

    public EndpointReference PrimaryEndpoint => field ??= new(this, PrimaryEndpointName);

    public ParameterResource PasswordParameter { get; } = password;

    public ReferenceExpression ConnectionStringExpression => Build(databaseName: null);

    public ReferenceExpression BuildConnectionString(string databaseName) => Build(databaseName);

    private ReferenceExpression Build(string? databaseName)
    {
        var builder = new ReferenceExpressionBuilder();
        builder.AppendLiteral("mongodb://");
        builder.Append($"{DefaultUserName:uri}:{PasswordParameter:uri}@");
        builder.Append($"{PrimaryEndpoint.Property(EndpointProperty.HostAndPort)}");
        builder.AppendLiteral("/");
        if (databaseName is not null)
        {
            builder.Append($"{databaseName:uri}");
        }

        builder.AppendLiteral("?authSource=admin&authMechanism=SCRAM-SHA-256");
        return builder.Build();
    }
}
