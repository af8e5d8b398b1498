using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;

[assembly: AssemblyFixture(typeof(Harmonia.IntegrationTests.AppHostFixture))]

namespace Harmonia.IntegrationTests;

/// <summary>
/// Boots the real AppHost once for the whole assembly (every test shares it) and waits until every
/// resource reports healthy.
/// </summary>
public sealed class AppHostFixture : IAsyncLifetime
{
    public static readonly string[] Resources = ["redis", "mongo", "harmonia", "api", "worker"];

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(5);

    public DistributedApplication App { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        var appHost = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Harmonia_AppHost>(timeout.Token);
        appHost.Services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler());

        App = await appHost.BuildAsync(timeout.Token);
        await App.StartAsync(timeout.Token);
        foreach (var resource in Resources)
        {
            await App.ResourceNotifications.WaitForResourceHealthyAsync(resource, timeout.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (App is not null)
        {
            await App.DisposeAsync();
        }
    }
}
