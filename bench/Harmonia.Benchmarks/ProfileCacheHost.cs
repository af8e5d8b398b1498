using Harmonia.Api.Profiles;
using Harmonia.Api.Users;
using Harmonia.Bench.Api;
using Harmonia.Caching;
using Harmonia.DataStores;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MongoDB.Driver;

namespace Harmonia.Benchmarks;

/// <summary>
/// The API's profile read path, registered as Program.cs registers it (data stores, AddHarmoniaCache, AddProfiles)
/// against the redis-server and jongodb whose ports bench/micro.sh exports. The host is built but not started: no
/// hosted service (index creation, metrics polling) runs beside the benchmark.
/// </summary>
internal sealed class ProfileCacheHost : IDisposable
{
    private readonly IHost _host;

    private ProfileCacheHost(IHost host)
    {
        _host = host;
        Profiles = host.Services.GetRequiredService<ProfileService>();
        Users = host.Services.GetRequiredService<UserStore>();
    }

    public ProfileService Profiles { get; }

    public UserStore Users { get; }

    /// <summary>The host's services, for benchmarks that go below the HybridCache API.</summary>
    public IServiceProvider Services => _host.Services;

    public static ProfileCacheHost Build(CacheEngine engine, CacheLevels levels, string database)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = $"127.0.0.1:{Port("HARMONIA_BENCH_REDIS_PORT")}",
            ["ConnectionStrings:harmonia"] = $"mongodb://127.0.0.1:{Port("HARMONIA_BENCH_MONGO_PORT")}/{database}?serverMonitoringMode=poll",
            ["Harmonia:Cache:Engine"] = engine.ToString(),
        });
        builder.Services.AddMetrics();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddHarmoniaDataStores();
        builder.AddHarmoniaCache();
        builder.Services.AddCacheLevels(levels);
        builder.AddProfiles();
        return new ProfileCacheHost(builder.Build());
    }

    /// <summary>Inserts <paramref name="count"/> users and returns their ids.</summary>
    public async Task<IReadOnlyList<string>> SeedUsersAsync(int count)
    {
        MongoConventions.Register();
        var users = Enumerable.Range(0, count).Select(index => new UserDocument
        {
            Email = $"micro-{index}@example.com",
            NormalizedEmail = $"micro-{index}@example.com",
            PasswordHash = "not used",
            DisplayName = $"Micro benchmark user {index}",
            Bio = "Seeded for the micro benchmarks.",
            CreatedAt = DateTime.UtcNow,
        }).ToList();
        await Users.Documents.InsertManyAsync(users);
        return [.. users.Select(user => user.Id)];
    }

    public void Dispose() => _host.Dispose();

    internal static string Port(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } port
            ? port
            : throw new InvalidOperationException($"{variable} is not set; run the benchmarks through bench/micro.sh, which starts the servers.");
}
