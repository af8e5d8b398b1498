using Harmonia.Api.Users;
using Harmonia.Caching;
using Harmonia.DataStores;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;
using MongoDB.Driver;

namespace Harmonia.Api.Profiles;

/// <summary>
/// Profiles read through the two-level cache; MongoDB is written first, then the cache follows. Writes take no
/// <see cref="CancellationToken"/>: a change, once it starts writing, runs to its end whether or not the caller is still
/// there, so a caller who hangs up cannot leave MongoDB changed and the caches unchanged (docs/resilience.md).
/// </summary>
public sealed class ProfileService(
    HybridCache cache,
    CacheInvalidator invalidator,
    UserStore users,
    IOptionsMonitor<CacheAreaOptions> areas,
    TimeProvider timeProvider)
{
    /// <summary>The profile, or null when no such user exists (remembered briefly, so repeated unknown ids cost MongoDB little).</summary>
    public ValueTask<CachedProfile?> GetAsync(string userId, CancellationToken cancellationToken) =>
        cache.GetOrCreateAsync(
            ProfileKeys.Profile(userId),
            (users.Documents, userId),
            static async (query, token) =>
                await query.Documents.Find(Builders<UserDocument>.Filter.Eq(user => user.Id, query.userId)).FirstOrDefaultAsync(token) is { } user
                    ? CachedProfile.From(user)
                    : null,
            Area.EntryOptions,
            cancellationToken: cancellationToken);

    /// <summary>
    /// Caches a new account's profile on every replica. Ids are predictable, so its id may have been looked up
    /// before it existed; this replaces that cached "not found". A lookup that raced the sign-up can only store a
    /// "not found" over it, which lives for the area's <see cref="CacheAreaOptions.MissExpiration"/> anyway, so
    /// this write-through is not repeated (docs/caching.md).
    /// </summary>
    public async Task AddAsync(UserDocument user) =>
        await StoreAsync(user.Id, CachedProfile.From(user), "profile-created");

    /// <summary>Applies the changes; null when the user no longer exists.</summary>
    public async Task<CachedProfile?> UpdateAsync(string userId, UpdateProfileRequest request)
    {
        var update = Builders<UserDocument>.Update.Set(user => user.UpdatedAt, timeProvider.GetUtcNow().UtcDateTime);
        if (request.DisplayName is not null)
        {
            update = update.Set(user => user.DisplayName, request.DisplayName.Trim());
        }

        if (request.Bio is not null)
        {
            update = update.Set(user => user.Bio, EmptyAsNull(request.Bio.Trim()));
        }

        if (request.AvatarUrl is not null)
        {
            update = update.Set(user => user.AvatarUrl, EmptyAsNull(request.AvatarUrl));
        }

        UserDocument? updated;
        try
        {
            updated = await users.Documents.FindOneAndUpdateAsync(
                user => user.Id == userId,
                update,
                new FindOneAndUpdateOptions<UserDocument> { ReturnDocument = ReturnDocument.After });
        }
        catch (Exception exception) when (exception.IsLostAnswer())
        {
            // The change may be on record, or land once a hung server resumes, while the caller gets a 503: every replica
            // drops its copy (and again a few seconds later), so the next read shows what MongoDB holds.
            await invalidator.RemoveAsync(ProfileKeys.Area, ProfileKeys.Profile(userId), "profile-update-unconfirmed");
            throw;
        }

        if (updated is null)
        {
            return null;
        }

        var profile = CachedProfile.From(updated);
        if (await StoreAsync(userId, profile, "profile-updated"))
        {
            // A read that started before the change may still store the older profile over this one.
            invalidator.WroteThrough(ProfileKeys.Area, ProfileKeys.Profile(userId));
        }

        return profile;
    }

    /// <summary>
    /// Writes the profile through, or drops the entry, as the area is configured; on every replica either way. A
    /// removal is made again a few seconds later by <see cref="CacheInvalidator"/> itself. True when written through.
    /// </summary>
    private async Task<bool> StoreAsync(string userId, CachedProfile profile, string reason)
    {
        var key = ProfileKeys.Profile(userId);
        if (!Area.WriteThrough)
        {
            await invalidator.RemoveAsync(ProfileKeys.Area, key, reason);
            return false;
        }

        await cache.SetAsync(key, profile, Area.EntryOptions);
        return true;
    }

    private CacheAreaOptions Area => areas.Get(ProfileKeys.Area);

    private static string? EmptyAsNull(string value) => value.Length == 0 ? null : value;
}
