using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;

[assembly: AssemblyFixture(typeof(Harmonia.IntegrationTests.AppHostFixture))]

namespace Harmonia.IntegrationTests;

/// <summary>
/// Boots the real AppHost once for the whole assembly (every test shares it), waits until every resource
/// reports healthy, and hands out clients for the API (load-balanced, or one per replica).
/// </summary>
public sealed class AppHostFixture : IAsyncLifetime
{
    public const int ApiReplicaCount = 2;

    /// <summary>Jobs the AppHost's worker runs at once in tests.</summary>
    public const int WorkerConcurrency = 4;

    public static readonly string[] Resources = ["redis", "mongo", "harmonia", "api", "worker"];

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(5);

    public DistributedApplication App { get; private set; } = null!;

    /// <summary>The base address of each API replica, bypassing the orchestrator's load balancer.</summary>
    public IReadOnlyList<Uri> ApiReplicaAddresses { get; private set; } = [];

    public async ValueTask InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        var appHost = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Harmonia_AppHost>(
            [$"--Harmonia:Api:Replicas={ApiReplicaCount}"],
            timeout.Token);
        appHost.Services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler());

        // Jobs: a 2 s lease and a 1 s sweep so recovery from a killed worker or a flushed Redis takes seconds,
        // and paced synthesis (100 ms per second of audio) so a job is still running when a test cancels it
        // or kills its worker.
        appHost.CreateResourceBuilder<ProjectResource>("worker")
            .WithEnvironment("Harmonia__Jobs__Concurrency", WorkerConcurrency.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithEnvironment("Harmonia__Jobs__LeaseDuration", "00:00:02")
            .WithEnvironment("Harmonia__Jobs__SweepInterval", "00:00:01")
            .WithEnvironment("Harmonia__Jobs__SynthStepDelay", "00:00:00.100");

        App = await appHost.BuildAsync(timeout.Token);
        await App.StartAsync(timeout.Token);
        foreach (var resource in Resources)
        {
            await App.ResourceNotifications.WaitForResourceHealthyAsync(resource, timeout.Token);
        }

        ApiReplicaAddresses = await FindReplicaAddressesAsync("api", ApiReplicaCount, timeout.Token);
    }

    /// <summary>A client for the API through the orchestrator's proxy, which spreads requests over the replicas.</summary>
    public HttpClient CreateApiClient() => App.CreateHttpClient("api");

    /// <summary>One client per API replica, in a fixed order: replica A, replica B.</summary>
    public IReadOnlyList<HttpClient> CreateApiReplicaClients() =>
        [.. ApiReplicaAddresses.Select(address => new HttpClient { BaseAddress = address })];

    public async Task<string> ConnectionStringAsync(string resource) =>
        await App.GetConnectionStringAsync(resource, TestContext.Current.CancellationToken)
        ?? throw new InvalidOperationException($"'{resource}' has no connection string.");

    public async Task<string> ParameterValueAsync(string name)
    {
        var model = App.Services.GetRequiredService<DistributedApplicationModel>();
        var parameter = model.Resources.OfType<ParameterResource>().Single(resource => resource.Name == name);
        return await parameter.GetValueAsync(TestContext.Current.CancellationToken) ?? "";
    }

    public async ValueTask DisposeAsync()
    {
        if (App is not null)
        {
            await App.DisposeAsync();
        }
    }

    /// <summary>Replicas share one proxied endpoint; each replica's own address is in its environment.</summary>
    private async Task<IReadOnlyList<Uri>> FindReplicaAddressesAsync(string resource, int count, CancellationToken cancellationToken)
    {
        var addresses = new Dictionary<string, Uri>();
        await foreach (var update in App.ResourceNotifications.WatchAsync(cancellationToken))
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
