using Harmonia.Caching;
using Harmonia.Music;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;

namespace Harmonia.Api.Songs;

/// <summary>Song metadata through the cache; deleting a song removes it, its audio and its library entries.</summary>
public sealed class SongService(
    HybridCache cache,
    CacheInvalidator invalidator,
    SongStore songs,
    LibraryStore library,
    IOptionsMonitor<CacheAreaOptions> areas)
{
    /// <summary>The song, or null when it does not exist (remembered briefly; the worker clears it when it stores the song).</summary>
    public ValueTask<CachedSong?> GetAsync(string songId, CancellationToken cancellationToken) =>
        cache.GetOrLookUpAsync(
            SongKeys.Song(songId),
            (songs.Documents, songId),
            static async (query, token) =>
                await query.Documents.Find(Builders<SongDocument>.Filter.Eq(song => song.Id, query.songId)).FirstOrDefaultAsync(token) is { } song
                    ? CachedSong.From(song)
                    : null,
            areas.Get(SongKeys.Area),
            cancellationToken);

    /// <summary>Deletes one of the user's songs; false when the user has no such song.</summary>
    public async Task<bool> DeleteAsync(string userId, string songId, CancellationToken cancellationToken)
    {
        var song = await songs.FindOwnedAsync(songId, userId, cancellationToken);
        if (song is null)
        {
            return false;
        }

        // Library entries first, the song record last: an interrupted delete leaves nothing pointing at a missing song.
        await library.Documents.DeleteManyAsync(item => item.UserId == userId && item.SongId == songId, cancellationToken);
        if (song.AudioFileId is { } audio)
        {
            try
            {
                await songs.Audio.DeleteAsync(ObjectId.Parse(audio), cancellationToken);
            }
            catch (MongoDB.Driver.GridFS.GridFSFileNotFoundException)
            {
                // Already gone: a previous attempt got this far.
            }
        }

        await songs.Documents.DeleteOneAsync(candidate => candidate.Id == songId, cancellationToken);
        await invalidator.RemoveAsync(SongKeys.Area, SongKeys.Song(songId), "song-deleted", cancellationToken);
        await invalidator.RemoveByTagAsync(LibraryKeys.Area, LibraryKeys.Tag(userId), "song-deleted", cancellationToken);
        return true;
    }
}
