using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Harmonia.IntegrationTests;

/// <summary>
/// A service hosted inside the test process against the AppHost's Redis, MongoDB and mail server: same code, same stores,
/// same backplane as the AppHost's instances, but configurable per test, observable by in-process listeners
/// (metrics, activities) and starting with a cold in-process cache. <paramref name="services"/> replaces what only a
/// test may swap (a worker's generator, say) after the service's own registrations.
/// </summary>
internal sealed class InProcessHost<TEntryPoint>(IReadOnlyDictionary<string, string?> configuration, Action<IServiceCollection>? services)
    : WebApplicationFactory<TEntryPoint>
    where TEntryPoint : class
{
    public static async Task<InProcessHost<TEntryPoint>> StartAsync(
        AppHostFixture fixture,
        IReadOnlyDictionary<string, string?> defaults,
        IReadOnlyDictionary<string, string?>? settings,
        Action<IServiceCollection>? services = null)
    {
        var configuration = new Dictionary<string, string?>(defaults)
        {
            ["ConnectionStrings:redis"] = await fixture.ConnectionStringAsync("redis"),
            ["ConnectionStrings:harmonia"] = await fixture.ConnectionStringAsync("harmonia"),
            ["ConnectionStrings:mail"] = await fixture.ConnectionStringAsync("mail"),
            // Nothing on the test process's console, for the reason the AppHosts log only errors (TestAppHost.QuietConsole).
            // Tests that read an instance's logs add a provider of their own.
            ["Logging:Console:LogLevel:Default"] = "None",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var host = new InProcessHost<TEntryPoint>(configuration, services);
        host.StartServer();
        return host;
    }

    // Host configuration, unlike app configuration, is in place before Program registers its services.
    protected override IHost CreateHost(IHostBuilder builder)
    {
        builder.ConfigureHostConfiguration(builder => builder.AddInMemoryCollection(configuration));
        return base.CreateHost(builder);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        if (services is not null)
        {
            builder.ConfigureTestServices(services);
        }
    }
}
