using Harmonia.DataStores;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Harmonia.Benchmarks;

/// <summary>
/// The redis-server and jongodb that bench/micro.sh starts on loopback ports it exports, and a host builder with the
/// API's data stores registered against them as Program.cs registers them, for each benchmark to add the feature it
/// measures. Hosts built from it are not started: no hosted service (index creation, metrics polling) runs beside a
/// benchmark.
/// </summary>
internal static class BenchServers
{
    /// <param name="database">The MongoDB database, so benchmarks that seed data read collections of their own size.</param>
    /// <param name="settings">Further configuration of the feature under measurement.</param>
    public static HostApplicationBuilder CreateBuilder(string database, IEnumerable<KeyValuePair<string, string?>>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = $"127.0.0.1:{Port("HARMONIA_BENCH_REDIS_PORT")}",
            ["ConnectionStrings:harmonia"] = $"mongodb://127.0.0.1:{Port("HARMONIA_BENCH_MONGO_PORT")}/{database}?serverMonitoringMode=poll",
        });
        builder.Configuration.AddInMemoryCollection(settings ?? []);
        builder.Services.AddMetrics();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddHarmoniaDataStores();
        return builder;
    }

    private static string Port(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } port
            ? port
            : throw new InvalidOperationException($"{variable} is not set; run the benchmarks through bench/micro.sh, which starts the servers.");
}
