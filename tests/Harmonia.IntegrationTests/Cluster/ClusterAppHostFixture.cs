using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Harmonia.DataStores;
using Microsoft.Extensions.DependencyInjection;
using MongoDB.Driver;
using StackExchange.Redis;

namespace Harmonia.IntegrationTests.Cluster;

/// <summary>
/// A second AppHost, booted once for the tests of <see cref="ClusterCollection"/>: the same services, with Redis as
/// a three-primary Redis Cluster (<c>Harmonia:Infrastructure:RedisTopology=Cluster</c>). It has ports, processes and
/// a MongoDB of its own, so it runs beside the shared <see cref="AppHostFixture"/> without touching it.
/// </summary>
public sealed class ClusterAppHostFixture : IAsyncLifetime
{
    public const string AdminEmail = "admin@cluster.harmonia.test";

    public static readonly string[] Resources = ["redis", "redis-1", "redis-2", "redis-3", "mongo", "harmonia", "mail", "api", "worker"];

    /// <summary>How long the cluster's API replicas honour a spent refresh token (the shipped default is 30 s).</summary>
    public static readonly TimeSpan RefreshReuseGrace = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(5);

    public DistributedApplication App { get; private set; } = null!;

    /// <summary>The base address of each API replica, bypassing the orchestrator's load balancer.</summary>
    public IReadOnlyList<Uri> ApiReplicaAddresses { get; private set; } = [];

    /// <summary>A cluster-aware connection to the AppHost's Redis Cluster, allowed admin commands.</summary>
    public IConnectionMultiplexer Redis { get; private set; } = null!;

    /// <summary>The cluster AppHost's own <c>harmonia</c> database, for seeding data and checking what services wrote.</summary>
    public IMongoDatabase Database { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        var appHost = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Harmonia_AppHost>(
            [
                // Local mode by name: with a container runtime, Auto would pick Containers, which has no cluster.
                "--Harmonia:Infrastructure:Mode=Local",
                "--Harmonia:Infrastructure:RedisTopology=Cluster",
                $"--Harmonia:Api:Replicas={AppHostFixture.ApiReplicaCount}",
                // The mail UI gets a free port: a developer's AppHost on this machine holds the fixed one.
                "--Harmonia:Infrastructure:MailUiPort=0",
                .. AppHostFixture.QuietConsole,
            ],
            timeout.Token);
        appHost.Services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler());
        appHost.CreateResourceBuilder<ProjectResource>("api")
            .WithEnvironment("Harmonia__Auth__AdminEmails__0", AdminEmail)
            .WithEnvironment("Harmonia__RateLimiting__Anonymous__Limit", "1000000")
            .WithEnvironment("Harmonia__RateLimiting__Endpoints__login__Limit", "1000000")
            .WithEnvironment("Harmonia__RateLimiting__RedisTimeout", AppHostFixture.DecisionTimeout)
            // A spent refresh token is honoured again for 2 s instead of 30, so a test sees reuse end a session by
            // polling for a few seconds rather than by moving a clock the replicas do not share.
            .WithEnvironment("Harmonia__Auth__RefreshReuseGrace", RefreshReuseGrace.ToString("c", System.Globalization.CultureInfo.InvariantCulture));

        // Jobs as the shared fixture runs them: a 2 s lease, so a killed worker's job is taken over within seconds,
        // and paced synthesis, so a job is still running when a test kills its worker or flushes the cluster.
        appHost.CreateResourceBuilder<ProjectResource>("worker")
            .WithEnvironment("Harmonia__Jobs__Concurrency", AppHostFixture.WorkerConcurrency.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithEnvironment("Harmonia__Jobs__LeaseDuration", "00:00:02")
            .WithEnvironment("Harmonia__Jobs__SynthStepDelay", "00:00:00.100");

        App = await appHost.BuildAsync(timeout.Token);
        await App.StartAsync(timeout.Token);
        foreach (var resource in Resources)
        {
            await App.ResourceNotifications.WaitForResourceHealthyAsync(resource, timeout.Token);
        }

        ApiReplicaAddresses = await AppHostFixture.FindReplicaAddressesAsync(App, "api", AppHostFixture.ApiReplicaCount, timeout.Token);
        Redis = await ConnectionMultiplexer.ConnectAsync($"{await App.GetConnectionStringAsync("redis", timeout.Token)},allowAdmin=true");
        MongoConventions.Register();
        var database = MongoUrl.Create(await App.GetConnectionStringAsync("harmonia", timeout.Token));
        Database = new MongoClient(database).GetDatabase(database.DatabaseName);
    }

    /// <summary>The messages the AppHost's mail server received, through its REST API.</summary>
    internal Mailbox CreateMailbox() => new(new HttpClient { BaseAddress = App.GetEndpoint("mail", "http") });

    /// <summary>A client for the API through the orchestrator's proxy, which spreads requests over the replicas.</summary>
    public HttpClient CreateApiClient() => App.CreateHttpClient("api");

    /// <summary>A client for one API replica: 0 is replica A, 1 is replica B.</summary>
    public HttpClient CreateApiReplicaClient(int replica) => new() { BaseAddress = ApiReplicaAddresses[replica] };

    /// <summary>The resources the dashboard shows as children of <paramref name="parent"/>.</summary>
    public IReadOnlyList<string> ChildrenOf(string parent) =>
        [.. App.Services.GetRequiredService<DistributedApplicationModel>().Resources
            .Where(resource => resource.TryGetAnnotationsOfType<ResourceRelationshipAnnotation>(out var relationships)
                && relationships.Any(relationship => relationship.Type == "Parent" && relationship.Resource.Name == parent))
            .Select(resource => resource.Name)
            .Order(StringComparer.Ordinal)];

    public async ValueTask DisposeAsync()
    {
        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }

        if (App is not null)
        {
            await App.DisposeAsync();
        }
    }
}
