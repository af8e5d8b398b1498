using Harmonia.DataStores;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Harmonia.Music;

/// <summary>Registers the stores a feature reads or writes; each feature declares the ones it uses.</summary>
public static class MusicStoreExtensions
{
    public static IServiceCollection AddSongStore(this IServiceCollection services)
    {
        services.TryAddSingleton<SongStore>();
        return services.AddMongoIndexes<SongStore.Indexes>();
    }

    public static IServiceCollection AddLibraryStore(this IServiceCollection services)
    {
        services.TryAddSingleton<LibraryStore>();
        return services.AddMongoIndexes<LibraryStore.Indexes>();
    }
}
