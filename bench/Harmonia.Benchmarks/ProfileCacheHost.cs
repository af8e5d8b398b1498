using Harmonia.Api.Profiles;
using Harmonia.Api.Users;
using Harmonia.Bench.Api;
using Harmonia.Caching;
using Harmonia.DataStores;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MongoDB.Driver;

namespace Harmonia.Benchmarks;

/// <summary>
/// The API's profile read path, registered as Program.cs registers it (data stores, AddHarmoniaCache, AddProfiles)
/// against the servers bench/micro.sh started (<see cref="BenchServers"/>).
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
        var builder = BenchServers.CreateBuilder(database, [new($"{HarmoniaCacheOptions.SectionName}:{nameof(HarmoniaCacheOptions.Engine)}", engine.ToString())]);
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
}
