using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Harmonia.IntegrationTests.Cluster;

/// <summary>
/// A second AppHost, booted once for the tests of <see cref="ClusterCollection"/>: the same services, with Redis as
/// a three-primary Redis Cluster (<c>Harmonia:Infrastructure:RedisTopology=Cluster</c>). It has ports, processes and
/// a MongoDB of its own, so it runs beside the shared <see cref="AppHostFixture"/> without touching it. Its
/// <see cref="TestAppHost.Redis"/> connection is cluster-aware.
/// </summary>
public sealed class ClusterAppHostFixture : TestAppHost
{
    public const string AdminEmail = "admin@cluster.harmonia.test";

    /// <summary>How long the cluster's API replicas honour a spent refresh token (the shipped default is 30 s).</summary>
    public static readonly TimeSpan RefreshReuseGrace = TimeSpan.FromSeconds(2);

    protected override IReadOnlyList<string> Resources { get; } = ["redis", "redis-1", "redis-2", "redis-3", "mongo", "harmonia", "mail", "api", "worker"];

    /// <summary>Local mode by name: with a container runtime, Auto would pick Containers, which has no cluster.</summary>
    protected override IEnumerable<string> Arguments => ["--Harmonia:Infrastructure:Mode=Local", "--Harmonia:Infrastructure:RedisTopology=Cluster"];

    /// <summary>The resources the dashboard shows as children of <paramref name="parent"/>.</summary>
    public IReadOnlyList<string> ChildrenOf(string parent) =>
        [.. App.Services.GetRequiredService<DistributedApplicationModel>().Resources
            .Where(resource => resource.TryGetAnnotationsOfType<ResourceRelationshipAnnotation>(out var relationships)
                && relationships.Any(relationship => relationship.Type == "Parent" && relationship.Resource.Name == parent))
            .Select(resource => resource.Name)
            .Order(StringComparer.Ordinal)];

    protected override void Configure(IDistributedApplicationTestingBuilder appHost) =>
        appHost.CreateResourceBuilder<ProjectResource>("api")
            .WithEnvironment("Harmonia__Auth__AdminEmails__0", AdminEmail)
            // A spent refresh token is honoured again for 2 s instead of 30, so a test sees reuse end a session by
            // polling for a few seconds rather than by moving a clock the replicas do not share.
            .WithEnvironment("Harmonia__Auth__RefreshReuseGrace", RefreshReuseGrace.ToString("c", CultureInfo.InvariantCulture));
}
