using Harmonia.Caching;
using Harmonia.DataStores;
using Harmonia.Music;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;

namespace Harmonia.Api.Songs;

/// <summary>
/// Song metadata through the cache; deleting a song removes it, its audio and its library entries. A deletion takes
/// no <see cref="CancellationToken"/>: once it starts, it runs to its end, caches included, whether or not the caller
/// is still there (docs/resilience.md).
/// </summary>
public sealed class SongService(
    HybridCache cache,
    CacheInvalidator invalidator,
    SongStore songs,
    LibraryStore library,
    IOptionsMonitor<CacheAreaOptions> areas)
{
    /// <summary>The song, or null when it does not exist (remembered briefly; the worker clears it when it stores the song).</summary>
    public ValueTask<CachedSong?> GetAsync(string songId, CancellationToken cancellationToken) =>
        cache.GetOrCreateAsync(
            SongKeys.Song(songId),
            (songs.Documents, songId),
            static async (query, token) =>
                await query.Documents.Find(Builders<SongDocument>.Filter.Eq(song => song.Id, query.songId)).FirstOrDefaultAsync(token) is { } song
                    ? CachedSong.From(song)
                    : null,
            areas.Get(SongKeys.Area).EntryOptions,
            cancellationToken: cancellationToken);

    /// <summary>Deletes one of the user's songs; false when the user has no such song.</summary>
    public async Task<bool> DeleteAsync(string userId, string songId)
    {
        var song = await songs.FindOwnedAsync(songId, userId, CancellationToken.None);
        if (song is null)
        {
            return false;
        }

        try
        {
            await DeleteRecordsAsync(song);
        }
        catch (Exception exception) when (exception.IsLostAnswer())
        {
            // The song may be gone already, or go once a hung server resumes, while the caller gets a 503 and a retry
            // finds no song to delete (404): the caches drop it anyway.
            await DropCachedAsync(userId, songId, "song-delete-unconfirmed");
            throw;
        }

        await DropCachedAsync(userId, songId, "song-deleted");
        return true;
    }

    /// <summary>
    /// Library entries first, the song record last: an interrupted delete leaves nothing pointing at a missing song. An
    /// addition to the library that checked the song before the record went may insert its item after the first
    /// removal, so the entries are removed once more after the record; an addition that inserts later sees the song
    /// gone and removes its own item (LibraryService).
    /// </summary>
    private async Task DeleteRecordsAsync(SongDocument song)
    {
        await DeleteLibraryEntriesAsync(song);
        if (song.AudioFileId is { } audio)
        {
            try
            {
                await songs.Audio.DeleteAsync(ObjectId.Parse(audio));
            }
            catch (MongoDB.Driver.GridFS.GridFSFileNotFoundException)
            {
                // Already gone: a previous attempt got this far.
            }
        }

        await songs.Documents.DeleteOneAsync(candidate => candidate.Id == song.Id);
        await DeleteLibraryEntriesAsync(song);
    }

    private async Task DeleteLibraryEntriesAsync(SongDocument song) =>
        await library.Documents.DeleteManyAsync(item => item.UserId == song.OwnerId && item.SongId == song.Id);

    private async Task DropCachedAsync(string userId, string songId, string reason)
    {
        await invalidator.RemoveAsync(SongKeys.Area, SongKeys.Song(songId), reason);
        await invalidator.RemoveByTagAsync(LibraryKeys.Area, LibraryKeys.Tag(userId), reason);
    }
}
