using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Harmonia.DataStores;
using Microsoft.Extensions.DependencyInjection;
using MongoDB.Driver;
using StackExchange.Redis;

namespace Harmonia.IntegrationTests;

/// <summary>
/// The real AppHost, booted once for the tests that share it and started with what every test AppHost needs; waits
/// until every resource reports healthy, and hands out clients and connections. <see cref="AppHostFixture"/> (the
/// one most tests share) and <see cref="Cluster.ClusterAppHostFixture"/> (Redis as a cluster) add their own settings.
/// </summary>
public abstract class TestAppHost : IAsyncLifetime
{
    public const int ApiReplicaCount = 2;

    /// <summary>Jobs the AppHost's worker runs at once in tests.</summary>
    public const int WorkerConcurrency = 4;

    /// <summary>
    /// How long the replicas' rate-limit decisions, and so their Redis client's commands, wait for Redis (shipped:
    /// 250 ms and 500 ms). Under the parallel suite a Redis call sometimes takes longer, a replica then decides alone,
    /// as documented, and a test of the shared count's exactness would see per-replica counts: with only the decision's
    /// wait raised, the client's 500 ms command timeout ended it first, and a CI run on 2026-12-06 admitted 101 of 150.
    /// The fallback itself is tested with the shipped waits on in-process instances (RedisOutageTests); a killed Redis
    /// fails calls at once, whatever this is.
    /// </summary>
    public const string DecisionTimeout = "00:00:02";

    /// <summary>
    /// The test AppHosts' logging, as command-line settings: errors only, and none from health probes or HTTP retries.
    /// After a failure, <c>dotnet test</c> prints the failed test first and then everything the test process wrote to
    /// its console, and CI shows the end of that. At the AppHost's own levels (every line of every resource is
    /// forwarded; 835 lines for the five health tests alone) the failure is far out of view; the probes fail on
    /// purpose whenever a test stops a resource. A developer's own AppHost keeps the shipped levels.
    /// </summary>
    public static readonly string[] QuietConsole =
    [
        "--Logging:LogLevel:Default=Error",
        "--Logging:LogLevel:Microsoft.AspNetCore=Error",
        "--Logging:LogLevel:Aspire.Hosting.Dcp=Error",
        "--Logging:LogLevel:Microsoft.Extensions.Diagnostics.HealthChecks=None",
        "--Logging:LogLevel:Polly=None",
    ];

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(5);

    public DistributedApplication App { get; private set; } = null!;

    /// <summary>The base address of each API replica, bypassing the orchestrator's load balancer.</summary>
    public IReadOnlyList<Uri> ApiReplicaAddresses { get; private set; } = [];

    /// <summary>A connection to the AppHost's Redis, allowed admin commands (FLUSHALL); it reconnects after a restart.</summary>
    public IConnectionMultiplexer Redis { get; private set; } = null!;

    /// <summary>The AppHost's own <c>harmonia</c> database, for seeding data and checking what services wrote.</summary>
    public IMongoDatabase Database { get; private set; } = null!;

    /// <summary>The resources that must report healthy before any test runs.</summary>
    protected abstract IReadOnlyList<string> Resources { get; }

    /// <summary>This AppHost's command-line settings besides the shared ones.</summary>
    protected virtual IEnumerable<string> Arguments => [];

    public async ValueTask InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        var appHost = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Harmonia_AppHost>(
            // The mail UI gets a free port: a developer's AppHost on this machine holds the fixed one.
            [.. Arguments, $"--Harmonia:Api:Replicas={ApiReplicaCount}", "--Harmonia:Infrastructure:MailUiPort=0", .. QuietConsole],
            timeout.Token);
        appHost.Services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler());

        // Rate limits: every test signs users up and in from 127.0.0.1, so the policies keyed by client address
        // (ip-route, register, login) get room for the whole suite. The policies keyed by user and by account keep their
        // defaults, because every test has users of its own. RateLimiting/ tests the address-keyed policies on
        // in-process instances with small quotas and a key prefix of their own (IsolatedQuotas). Decisions wait
        // longer for Redis than the shipped 250 ms (DecisionTimeout), and the Redis client lets them.
        appHost.CreateResourceBuilder<ProjectResource>("api")
            .WithEnvironment("Harmonia__RateLimiting__Anonymous__Limit", "1000000")
            .WithEnvironment("Harmonia__RateLimiting__Endpoints__register__Limit", "1000000")
            .WithEnvironment("Harmonia__RateLimiting__Endpoints__login__Limit", "1000000")
            .WithEnvironment("Harmonia__RateLimiting__RedisTimeout", DecisionTimeout)
            .WithEnvironment("Harmonia__Redis__CommandTimeout", DecisionTimeout);

        // Event streams: every test opens its streams from 127.0.0.1 too, and a stream its client has closed may hold
        // its slot until its next heartbeat, so the per-address cap gets the same room; Jobs/EventStreamTests checks
        // it on an in-process instance.
        appHost.CreateResourceBuilder<ProjectResource>("api")
            .WithEnvironment("Harmonia__EventStreams__MaxPerAddress", "100000");

        // Jobs: a 2 s lease so a killed worker's job is taken over within seconds, and paced synthesis (100 ms per
        // second of audio) so a job is still running when a test cancels it, kills its worker or flushes Redis. The
        // reconciler's periodic sweep keeps its default (30 s): it is only the backstop, and a flushed Redis must be
        // repaired without waiting for it.
        appHost.CreateResourceBuilder<ProjectResource>("worker")
            .WithEnvironment("Harmonia__Jobs__Concurrency", WorkerConcurrency.ToString(CultureInfo.InvariantCulture))
            .WithEnvironment("Harmonia__Jobs__LeaseDuration", "00:00:02")
            .WithEnvironment("Harmonia__Jobs__SynthStepDelay", "00:00:00.100");

        // The Redis client logs each lost connection as an error, several lines per connection and process, and tests
        // stop and kill Redis on purpose: a run's last minute of them buried the failed test in CI's view on
        // 2026-12-08 (QuietConsole says why that view matters). The services' own errors about Redis still show.
        foreach (var service in new[] { "api", "worker" })
        {
            appHost.CreateResourceBuilder<ProjectResource>(service)
                .WithEnvironment("Logging__LogLevel__StackExchange.Redis", "None");
        }

        Configure(appHost);

        App = await appHost.BuildAsync(timeout.Token);
        await App.StartAsync(timeout.Token);
        foreach (var resource in Resources)
        {
            await App.ResourceNotifications.WaitForResourceHealthyAsync(resource, timeout.Token);
        }

        ApiReplicaAddresses = await FindReplicaAddressesAsync(App, "api", ApiReplicaCount, timeout.Token);
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

        GC.SuppressFinalize(this);
    }

    /// <summary>This AppHost's settings of its services besides the shared ones, set before it is built.</summary>
    protected abstract void Configure(IDistributedApplicationTestingBuilder appHost);

    /// <summary>Replicas share one proxied endpoint; each replica's own address is in its environment.</summary>
    private static async Task<IReadOnlyList<Uri>> FindReplicaAddressesAsync(DistributedApplication app, string resource, int count, CancellationToken cancellationToken)
    {
        var addresses = new Dictionary<string, Uri>();
        await foreach (var update in app.ResourceNotifications.WatchAsync(cancellationToken))
        {
            if (update.Resource.Name == resource
                && update.Snapshot.State?.Text == KnownResourceStates.Running
                && update.Snapshot.EnvironmentVariables.FirstOrDefault(variable => variable.Name == "ASPNETCORE_URLS")?.Value is { } urls)
            {
                addresses[update.ResourceId] = new Uri(urls.Split(';')[0]);
                if (addresses.Count == count)
                {
                    break;
                }
            }
        }

        return [.. addresses.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => pair.Value)];
    }
}
