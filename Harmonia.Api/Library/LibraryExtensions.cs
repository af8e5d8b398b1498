using Harmonia.Api.Http;
using Harmonia.Caching;
using Harmonia.Music;
using Harmonia.Notifications;

namespace Harmonia.Api.Library;

public static class LibraryExtensions
{
    public static IHostApplicationBuilder AddLibrary(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddLibraryStore();
        // A song item must name one of the user's own songs.
        services.AddSongStore();
        services.AddSingleton<LibraryService>();
        // Additions and removals are told to the user's other devices.
        services.AddUserNotifications();

        // 30 minutes in Redis as in the original design; 30 seconds in L1 bounds staleness if the backplane is down.
        // Pages are the costliest reads (a count and a find), so one replica at a time reads a cold page (docs/caching.md).
        services.AddCacheArea(LibraryKeys.Area, LibraryKeys.Prefix, area =>
        {
            area.Expiration = TimeSpan.FromMinutes(30);
            area.LocalExpiration = TimeSpan.FromSeconds(30);
            area.FailSafe = true;
            area.EagerRefreshThreshold = 0.9f;
            area.DistributedLocking = true;
        });
        services.AddCachedTypes(LibraryJsonContext.Default);
        services.AddApiJsonTypes(LibraryJsonContext.Default);
        services.AddCachedResponses<LibraryPage, LibraryPage>(page => page);

        return builder;
    }
}
