namespace Harmonia.IntegrationTests.Cluster;

/// <summary>Tests that run the services on a Redis Cluster; they share one <see cref="ClusterAppHostFixture"/> boot.</summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterAppHostFixture>
{
    public const string Name = "Redis Cluster";
}
