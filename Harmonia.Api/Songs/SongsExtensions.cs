using Harmonia.Api.Http;
using Harmonia.Caching;
using Harmonia.Music;

namespace Harmonia.Api.Songs;

public static class SongsExtensions
{
    public static IHostApplicationBuilder AddSongs(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSongStore();
        // Deleting a song removes its library items too.
        services.AddLibraryStore();
        services.AddSingleton<SongService>();

        // One hour in Redis as in the original design; song metadata never changes, so L1 may keep it for minutes.
        services.AddCacheArea(SongKeys.Area, SongKeys.Prefix, area =>
        {
            area.Expiration = TimeSpan.FromHours(1);
            area.LocalExpiration = TimeSpan.FromMinutes(5);
            area.FailSafe = true;
            area.EagerRefreshThreshold = 0.9f;
        });
        services.AddCachedTypes(SongsJsonContext.Default);
        services.AddApiJsonTypes(SongsJsonContext.Default);
        services.AddCachedResponses<CachedSong, SongResponse>(SongResponse.From);

        return builder;
    }
}
