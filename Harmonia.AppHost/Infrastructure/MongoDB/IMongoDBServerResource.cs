namespace Harmonia.AppHost.Infrastructure.MongoDB;

/// <summary>
/// A server that speaks the MongoDB wire protocol and can host Harmonia's databases: the
/// <c>mongo</c> container, or the MongoDB-wire process of local mode.
/// </summary>
public interface IMongoDBServerResource : IResourceWithConnectionString
{
    /// <summary>The connection string that opens <paramref name="databaseName"/> on this server.</summary>
    ReferenceExpression BuildConnectionString(string databaseName);
}
