using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Harmonia.IntegrationTests;

/// <summary>
/// A service hosted inside the test process against the AppHost's Redis and MongoDB: same code, same stores,
/// same backplane as the AppHost's instances, but configurable per test, observable by in-process listeners
/// (metrics, activities) and starting with a cold in-process cache.
/// </summary>
internal sealed class InProcessHost<TEntryPoint>(IReadOnlyDictionary<string, string?> configuration) : WebApplicationFactory<TEntryPoint>
    where TEntryPoint : class
{
    public static async Task<InProcessHost<TEntryPoint>> StartAsync(
        AppHostFixture fixture, IReadOnlyDictionary<string, string?> defaults, IReadOnlyDictionary<string, string?>? settings)
    {
        var configuration = new Dictionary<string, string?>(defaults)
        {
            ["ConnectionStrings:redis"] = await fixture.ConnectionStringAsync("redis"),
            ["ConnectionStrings:harmonia"] = await fixture.ConnectionStringAsync("harmonia"),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var host = new InProcessHost<TEntryPoint>(configuration);
        host.StartServer();
        return host;
    }

    // Host configuration, unlike app configuration, is in place before Program registers its services.
    protected override IHost CreateHost(IHostBuilder builder)
    {
        builder.ConfigureHostConfiguration(builder => builder.AddInMemoryCollection(configuration));
        return base.CreateHost(builder);
    }
}
