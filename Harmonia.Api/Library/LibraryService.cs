using Harmonia.Caching;
using Harmonia.DataStores;
using Harmonia.Music;
using Harmonia.Notifications;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;
using MongoDB.Driver;

namespace Harmonia.Api.Library;

/// <summary>
/// Library pages through the cache, each tagged with its owner so that one invalidation drops every page of
/// that user's library (no key scans). Writes go to MongoDB first, then to the cache, and take no
/// <see cref="CancellationToken"/>: once a change starts, it runs to its end whether or not the caller is still there
/// (docs/resilience.md).
/// </summary>
public sealed class LibraryService(
    HybridCache cache,
    CacheInvalidator invalidator,
    LibraryStore library,
    SongStore songs,
    UserNotifications notifications,
    IOptionsMonitor<CacheAreaOptions> areas,
    TimeProvider timeProvider)
{
    public ValueTask<LibraryPage> GetPageAsync(string userId, LibraryQuery query, CancellationToken cancellationToken) =>
        cache.GetOrCreateAsync(
            LibraryKeys.Page(userId, query.NormalizedFilter, query.PageNumber),
            (library.Documents, userId, query),
            static async (state, token) => await ReadPageAsync(state.Documents, state.userId, state.query, token),
            areas.Get(LibraryKeys.Area).EntryOptions,
            [LibraryKeys.Tag(userId)],
            cancellationToken);

    /// <summary>Adds the item; null when a song item names a song that is not the user's, or that was deleted meanwhile.</summary>
    /// <param name="songId">The request's song id in its canonical form, for a song item.</param>
    public async Task<LibraryItemResponse?> AddAsync(string userId, AddLibraryItemRequest request, string? songId)
    {
        var type = LibraryItemTypes.Parse(request.Type);
        var title = request.Title?.Trim();
        if (type is LibraryItemType.Song)
        {
            var song = await songs.FindOwnedAsync(songId!, userId, CancellationToken.None);
            if (song is null)
            {
                return null;
            }

            title ??= song.Title;
        }

        var item = new LibraryItemDocument
        {
            UserId = userId,
            Type = type,
            Title = title!,
            SongId = songId,
            CreatedAt = timeProvider.GetUtcNow().UtcDateTime,
        };
        await WriteAsync(userId, () => library.Documents.InsertOneAsync(item));
        await invalidator.RemoveByTagAsync(LibraryKeys.Area, LibraryKeys.Tag(userId), "library-item-added");
        if (type is LibraryItemType.Song && await songs.FindOwnedAsync(songId!, userId, CancellationToken.None) is null)
        {
            // The song was deleted after the check above, and its deletion may have removed its library entries
            // before this item landed: the item goes too, so none points at a missing song.
            await WriteAsync(userId, () => library.Documents.DeleteOneAsync(candidate => candidate.Id == item.Id));
            await invalidator.RemoveByTagAsync(LibraryKeys.Area, LibraryKeys.Tag(userId), "library-item-song-deleted");
            return null;
        }

        await NotifyAsync(userId, new LibraryChange(LibraryChange.Added, item.Id, item.Title, item.SongId));
        return LibraryItemResponse.From(item);
    }

    /// <summary>Removes one of the user's items; false when the user has no such item.</summary>
    public async Task<bool> RemoveAsync(string userId, string itemId)
    {
        var deleted = await WriteAsync(userId, () => library.Documents.DeleteOneAsync(item => item.Id == itemId && item.UserId == userId));
        if (deleted.DeletedCount == 0)
        {
            return false;
        }

        await invalidator.RemoveByTagAsync(LibraryKeys.Area, LibraryKeys.Tag(userId), "library-item-removed");
        await NotifyAsync(userId, new LibraryChange(LibraryChange.Removed, itemId));
        return true;
    }

    /// <summary>
    /// Runs a write of the user's library. When MongoDB's answer is lost the write may be on record, or land once a
    /// hung server resumes, while the caller gets a 503 and a retry may find nothing left to do (a removal then answers
    /// 404): every cached page of the library is dropped anyway (and again a few seconds later).
    /// </summary>
    private async Task WriteAsync(string userId, Func<Task> write) =>
        await WriteAsync(userId, async () =>
        {
            await write();
            return true;
        });

    /// <inheritdoc cref="WriteAsync(string, Func{Task})"/>
    private async Task<T> WriteAsync<T>(string userId, Func<Task<T>> write)
    {
        try
        {
            return await write();
        }
        catch (Exception exception) when (exception.IsLostAnswer())
        {
            await invalidator.RemoveByTagAsync(LibraryKeys.Area, LibraryKeys.Tag(userId), "library-write-unconfirmed");
            throw;
        }
    }

    /// <summary>Tells the user's other devices; the change is in MongoDB already, so a failure here is only logged.</summary>
    private async Task NotifyAsync(string userId, LibraryChange change) =>
        await notifications.TryAppendAsync(userId, NotificationTypes.Library, change, NotificationsJsonContext.Default.LibraryChange);

    private static async Task<LibraryPage> ReadPageAsync(
        IMongoCollection<LibraryItemDocument> documents, string userId, LibraryQuery query, CancellationToken cancellationToken)
    {
        var filter = Builders<LibraryItemDocument>.Filter.Eq(item => item.UserId, userId);
        if (query.Type is { } type)
        {
            filter &= Builders<LibraryItemDocument>.Filter.Eq(item => item.Type, LibraryItemTypes.Parse(type));
        }

        var total = await documents.CountDocumentsAsync(filter, cancellationToken: cancellationToken);
        var items = await documents.Find(filter)
            .SortByDescending(item => item.CreatedAt)
            .ThenByDescending(item => item.Id)
            .Skip((query.PageNumber - 1) * query.Size)
            .Limit(query.Size)
            .ToListAsync(cancellationToken);

        return new LibraryPage([.. items.Select(LibraryItemResponse.From)], total, query.PageNumber, query.Size);
    }
}
