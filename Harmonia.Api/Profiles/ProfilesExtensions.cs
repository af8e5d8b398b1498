using Harmonia.Api.Http;
using Harmonia.Api.Users;
using Harmonia.Caching;

namespace Harmonia.Api.Profiles;

public static class ProfilesExtensions
{
    public static IHostApplicationBuilder AddProfiles(this IHostApplicationBuilder builder)
    {
        builder.Services.AddUserStore();
        builder.Services.AddSingleton<ProfileService>();

        // One hour in Redis as in the original design; a minute in L1 bounds staleness if the backplane is down.
        // Profile writes produce the whole cached value, so they write through.
        builder.Services.AddCacheArea(ProfileKeys.Area, ProfileKeys.Prefix, area =>
        {
            area.Expiration = TimeSpan.FromHours(1);
            area.LocalExpiration = TimeSpan.FromMinutes(1);
            area.WriteThrough = true;
            area.FailSafe = true;
            area.EagerRefreshThreshold = 0.9f;
        });
        builder.Services.AddCachedTypes(ProfilesJsonContext.Default);
        builder.Services.AddApiJsonTypes(ProfilesJsonContext.Default);
        builder.Services.AddCachedResponses<CachedProfile, ProfileResponse>(ProfileResponse.From);
        builder.Services.AddCachedResponses<CachedProfile, PublicProfileResponse>(PublicProfileResponse.From);

        return builder;
    }
}
