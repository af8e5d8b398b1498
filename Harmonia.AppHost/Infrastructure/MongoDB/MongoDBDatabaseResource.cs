namespace Harmonia.AppHost.Infrastructure.MongoDB;

/// <summary>One database on a MongoDB server; what services reference.</summary>
public sealed class MongoDBDatabaseResource(string name, string databaseName, IMongoDBServerResource parent)
    : Resource(name), IResourceWithParent<IMongoDBServerResource>, IResourceWithConnectionString
{
    public IMongoDBServerResource Parent { get; } = parent;

    public string DatabaseName { get; } = databaseName;

    public ReferenceExpression ConnectionStringExpression => Parent.BuildConnectionString(DatabaseName);
}
