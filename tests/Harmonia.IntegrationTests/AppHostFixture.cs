using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Harmonia.DataStores;
using Microsoft.Extensions.DependencyInjection;
using MongoDB.Driver;
using StackExchange.Redis;

[assembly: AssemblyFixture(typeof(Harmonia.IntegrationTests.AppHostFixture))]

namespace Harmonia.IntegrationTests;

/// <summary>
/// Boots the real AppHost once for the whole assembly (every test shares it), waits until every resource
/// reports healthy, and hands out clients for the API (load-balanced, or one per replica).
/// </summary>
public sealed class AppHostFixture : IAsyncLifetime
{
    public const int ApiReplicaCount = 2;

    /// <summary>Accounts registered with this email are administrators in the test AppHost.</summary>
    public const string AdminEmail = "admin@harmonia.test";

    /// <summary>Jobs the AppHost's worker runs at once in tests.</summary>
    public const int WorkerConcurrency = 4;

    /// <summary>
    /// How long the replicas' rate-limit decisions wait for Redis (shipped: 250 ms). Under the parallel suite a Redis
    /// call sometimes takes longer, a replica then decides alone, as documented, and a test of the shared count's
    /// exactness would see per-replica counts. The fallback itself is tested with the shipped timeout on in-process
    /// instances (RedisOutageTests); a killed Redis fails calls at once, whatever this is.
    /// </summary>
    public const string DecisionTimeout = "00:00:02";

    public static readonly string[] Resources = ["redis", "mongo", "harmonia", "mail", "api", "worker"];

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

    /// <summary>The <c>harmonia</c> database, for seeding data and checking what services wrote.</summary>
    public IMongoDatabase Database { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        var appHost = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Harmonia_AppHost>(
            // The mail UI gets a free port: a developer's AppHost on this machine holds the fixed one.
            [$"--Harmonia:Api:Replicas={ApiReplicaCount}", "--Harmonia:Infrastructure:MailUiPort=0", .. QuietConsole],
            timeout.Token);
        appHost.Services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler());
        appHost.CreateResourceBuilder<ProjectResource>("api").WithEnvironment("Harmonia__Auth__AdminEmails__0", AdminEmail);

        // Rate limits: every test signs users up and in from 127.0.0.1, so the policies keyed by client address
        // (ip-route, login) get room for the whole suite. The policies keyed by user and by account keep their
        // defaults, because every test has users of its own. RateLimiting/ tests the address-keyed policies on
        // in-process instances with small quotas and a key prefix of their own (IsolatedQuotas). Decisions wait
        // longer for Redis than the shipped 250 ms (DecisionTimeout).
        appHost.CreateResourceBuilder<ProjectResource>("api")
            .WithEnvironment("Harmonia__RateLimiting__Anonymous__Limit", "1000000")
            .WithEnvironment("Harmonia__RateLimiting__Endpoints__login__Limit", "1000000")
            .WithEnvironment("Harmonia__RateLimiting__Endpoints__email-verify__Limit", "1000000")
            .WithEnvironment("Harmonia__RateLimiting__Endpoints__email-resend__Limit", "1000000")
            .WithEnvironment("Harmonia__RateLimiting__Endpoints__password-forgot__Limit", "1000000")
            .WithEnvironment("Harmonia__RateLimiting__Endpoints__password-reset__Limit", "1000000")
            .WithEnvironment("Harmonia__RateLimiting__RedisTimeout", DecisionTimeout);

        // Jobs: a 2 s lease so a killed worker's job is taken over within seconds, and paced synthesis (100 ms per
        // second of audio) so a job is still running when a test cancels it or kills its worker. The reconciler's
        // periodic sweep keeps its default (30 s): it is only the backstop, and a flushed Redis must be repaired
        // without waiting for it.
        appHost.CreateResourceBuilder<ProjectResource>("worker")
            .WithEnvironment("Harmonia__Jobs__Concurrency", WorkerConcurrency.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithEnvironment("Harmonia__Jobs__LeaseDuration", "00:00:02")
            .WithEnvironment("Harmonia__Jobs__SynthStepDelay", "00:00:00.100")
            // Mail: look for queued mail five times a second, give up on a send after 2 s (a stopped server's proxy
            // accepts connections and never answers) and retry within a second, so tests read their mail, and see
            // it arrive after an SMTP outage, without long waits.
            .WithEnvironment("Harmonia__Mail__PollInterval", "00:00:00.200")
            .WithEnvironment("Harmonia__Mail__SendTimeout", "00:00:02")
            .WithEnvironment("Harmonia__Mail__RetryBaseDelay", "00:00:00.200")
            .WithEnvironment("Harmonia__Mail__RetryMaxDelay", "00:00:01");

        App = await appHost.BuildAsync(timeout.Token);
        await App.StartAsync(timeout.Token);
        foreach (var resource in Resources)
        {
            await App.ResourceNotifications.WaitForResourceHealthyAsync(resource, timeout.Token);
        }

        ApiReplicaAddresses = await FindReplicaAddressesAsync(App, "api", ApiReplicaCount, timeout.Token);
        Redis = await ConnectionMultiplexer.ConnectAsync($"{await App.GetConnectionStringAsync("redis", timeout.Token)},allowAdmin=true");
        MongoConventions.Register();
        var database = await App.GetConnectionStringAsync("harmonia", timeout.Token);
        Database = new MongoClient(database).GetDatabase(MongoUrl.Create(database).DatabaseName);
    }

    /// <summary>The messages the AppHost's mail server received, through its REST API.</summary>
    internal Mailbox CreateMailbox() => new(new HttpClient { BaseAddress = App.GetEndpoint("mail", "http") });

    /// <summary>A client for the API through the orchestrator's proxy, which spreads requests over the replicas.</summary>
    public HttpClient CreateApiClient() => App.CreateHttpClient("api");

    /// <summary>One client per API replica, in a fixed order: replica A, replica B.</summary>
    public IReadOnlyList<HttpClient> CreateApiReplicaClients() =>
        [.. ApiReplicaAddresses.Select(address => new HttpClient { BaseAddress = address })];

    /// <summary>A client for one API replica: 0 is replica A, 1 is replica B.</summary>
    public HttpClient CreateApiReplicaClient(int replica) => new() { BaseAddress = ApiReplicaAddresses[replica] };

    /// <summary>
    /// Waits until Redis holds <paramref name="key"/>: a write to the cache's second level or a session's validity
    /// reaches Redis a moment after the response that caused it.
    /// </summary>
    public Task UntilInRedisAsync(string key, string what) =>
        Eventually.HoldsAsync(async () => await Redis.GetDatabase().KeyExistsAsync(key), TimeSpan.FromSeconds(5), what);

    public async Task<string> ConnectionStringAsync(string resource) =>
        await App.GetConnectionStringAsync(resource, TestContext.Current.CancellationToken)
        ?? throw new InvalidOperationException($"'{resource}' has no connection string.");

    /// <summary>Runs a dashboard command on every instance (replica) of a resource.</summary>
    public Task<ExecuteCommandResult> ExecuteCommandAsync(string resourceName, string commandName)
    {
        var model = App.Services.GetRequiredService<DistributedApplicationModel>();
        var resource = model.Resources.Single(candidate => candidate.Name == resourceName);
        return App.ResourceCommands.ExecuteCommandAsync(resource, commandName, TestContext.Current.CancellationToken);
    }

    public async Task<string> ParameterValueAsync(string name)
    {
        var model = App.Services.GetRequiredService<DistributedApplicationModel>();
        var parameter = model.Resources.OfType<ParameterResource>().Single(resource => resource.Name == name);
        return await parameter.GetValueAsync(TestContext.Current.CancellationToken) ?? "";
    }

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

    /// <summary>Replicas share one proxied endpoint; each replica's own address is in its environment.</summary>
    internal static async Task<IReadOnlyList<Uri>> FindReplicaAddressesAsync(DistributedApplication app, string resource, int count, CancellationToken cancellationToken)
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
