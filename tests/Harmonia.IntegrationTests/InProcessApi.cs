using Harmonia.Api.Auth;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Harmonia.IntegrationTests;

/// <summary>
/// One more API instance, hosted inside the test process against the AppHost's Redis and MongoDB, for tests
/// that read the API's own metrics (a <see cref="System.Diagnostics.Metrics.MeterListener"/> only hears its
/// own process) or need an instance whose in-process cache is cold. It is a full replica: same code, same
/// stores, same backplane.
/// </summary>
internal sealed class InProcessApi : WebApplicationFactory<AccessTokens>
{
    private readonly Dictionary<string, string?> _configuration;

    private InProcessApi(Dictionary<string, string?> configuration) => _configuration = configuration;

    public static async Task<InProcessApi> StartAsync(AppHostFixture fixture, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = await fixture.ConnectionStringAsync("redis"),
            ["ConnectionStrings:harmonia"] = await fixture.ConnectionStringAsync("harmonia"),
            ["Harmonia:Auth:SigningKey"] = await fixture.ParameterValueAsync("jwt-signing-key"),
            // Instances measure other things (a thousand requests by one user, say); no quota gets in the way
            // unless a test sets its own.
            ["Harmonia:RateLimiting:SignedIn:Limit"] = "1000000",
            ["Harmonia:RateLimiting:Anonymous:Limit"] = "1000000",
            ["Harmonia:RateLimiting:Endpoints:login:Limit"] = "1000000",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var api = new InProcessApi(configuration);
        api.StartServer();
        return api;
    }

    // Host configuration, unlike app configuration, is in place before Program registers its services.
    protected override IHost CreateHost(IHostBuilder builder)
    {
        builder.ConfigureHostConfiguration(configuration => configuration.AddInMemoryCollection(_configuration));
        return base.CreateHost(builder);
    }
}
