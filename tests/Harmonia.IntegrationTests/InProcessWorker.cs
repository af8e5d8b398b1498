using Harmonia.Worker.Jobs;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Harmonia.IntegrationTests;

/// <summary>
/// One more worker, hosted inside the test process against the AppHost's Redis and MongoDB, for tests that
/// need a worker configured its own way (a failing generator, fast retries). Give it a queue of its own
/// (<c>Harmonia:Jobs:Queue</c>), and an <see cref="InProcessApi"/> on the same queue, so the AppHost's worker
/// never sees its jobs.
/// </summary>
internal sealed class InProcessWorker : WebApplicationFactory<JobWorkerOptions>
{
    private readonly Dictionary<string, string?> _configuration;

    private InProcessWorker(Dictionary<string, string?> configuration) => _configuration = configuration;

    public static async Task<InProcessWorker> StartAsync(AppHostFixture fixture, IReadOnlyDictionary<string, string?> settings)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = await fixture.ConnectionStringAsync("redis"),
            ["ConnectionStrings:harmonia"] = await fixture.ConnectionStringAsync("harmonia"),
        };
        foreach (var (key, value) in settings)
        {
            configuration[key] = value;
        }

        var worker = new InProcessWorker(configuration);
        worker.StartServer();
        return worker;
    }

    // Host configuration, unlike app configuration, is in place before Program registers its services.
    protected override IHost CreateHost(IHostBuilder builder)
    {
        builder.ConfigureHostConfiguration(configuration => configuration.AddInMemoryCollection(_configuration));
        return base.CreateHost(builder);
    }
}
