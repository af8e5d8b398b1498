using Harmonia.Contracts.Songs;

namespace Harmonia.Api.Songs;

public static class SongsExtensions
{
    public static IHostApplicationBuilder AddSongs(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<SongStore>();
        services.AddMongoIndexes<SongStore.Indexes>();
        services.AddSingleton<SongService>();

        // One hour in Redis as in the original design; song metadata never changes, so L1 may keep it for minutes.
        services.AddCacheArea(SongKeys.Area, SongKeys.Prefix, expiration: TimeSpan.FromHours(1), localExpiration: TimeSpan.FromMinutes(5));
        services.AddCachedTypes(SongsJsonContext.Default);
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, SongsJsonContext.Default));

        return builder;
    }
}
