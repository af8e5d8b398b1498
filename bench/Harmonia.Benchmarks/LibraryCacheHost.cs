using Harmonia.Api.Library;
using Harmonia.Bench.Api;
using Harmonia.Caching;
using Harmonia.DataStores;
using Harmonia.Music;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Harmonia.Benchmarks;

/// <summary>
/// The API's library page read path, registered as Program.cs registers it (data stores, AddHarmoniaCache,
/// AddLibrary) against the servers bench/micro.sh started, with the page area's distributed lock on or off.
/// Built but not started, like <see cref="ProfileCacheHost"/>.
/// </summary>
internal sealed class LibraryCacheHost : IDisposable
{
    private readonly IHost _host;

    private LibraryCacheHost(IHost host)
    {
        _host = host;
        Library = host.Services.GetRequiredService<LibraryService>();
        Items = host.Services.GetRequiredService<LibraryStore>();
    }

    public LibraryService Library { get; }

    public LibraryStore Items { get; }

    public static LibraryCacheHost Build(bool distributedLocking, CacheLevels levels, string database)
    {
        var builder = BenchServers.CreateBuilder(
            database, [new($"{HarmoniaCacheOptions.SectionName}:Areas:{LibraryKeys.Area}:{nameof(CacheAreaOptions.DistributedLocking)}", distributedLocking.ToString())]);
        builder.AddHarmoniaCache();
        builder.Services.AddCacheLevels(levels);
        builder.AddLibrary();
        return new LibraryCacheHost(builder.Build());
    }

    /// <summary>Gives <paramref name="userId"/> a library of <paramref name="count"/> playlists.</summary>
    public Task SeedAsync(string userId, int count)
    {
        MongoConventions.Register();
        return Items.Documents.InsertManyAsync(Enumerable.Range(0, count).Select(index => new LibraryItemDocument
        {
            UserId = userId,
            Type = LibraryItemType.Playlist,
            Title = $"Micro benchmark playlist {index}",
            CreatedAt = DateTime.UtcNow,
        }));
    }

    public void Dispose() => _host.Dispose();
}
