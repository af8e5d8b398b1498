using Harmonia.Caching;
using Harmonia.DataStores;
using Harmonia.Jobs;
using Harmonia.Music;
using Harmonia.Notifications;
using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.GridFS;

namespace Harmonia.Worker.Jobs;

/// <summary>
/// Stores what a song job produced: the audio in GridFS, the song, and the item in its owner's library.
/// Safe to repeat for the same job: the unique indexes on <c>jobId</c> keep exactly one song and one library
/// item per job, however many attempts (or zombie workers) get this far.
/// </summary>
public sealed class SongLibraryWriter(SongStore songs, LibraryStore library, CacheInvalidator invalidator, UserNotifications notifications, TimeProvider timeProvider)
{
    /// <summary>Stores the song and its library item (or keeps the ones an earlier attempt stored); returns the song's id.</summary>
    public async Task<string> StoreAsync(JobDocument job, byte[] audio)
    {
        var song = await InsertSongAsync(job, audio);

        try
        {
            var item = new LibraryItemDocument
            {
                UserId = job.UserId,
                Type = LibraryItemType.Song,
                Title = song.Title,
                SongId = song.Id,
                JobId = job.Id,
                CreatedAt = timeProvider.GetUtcNow().UtcDateTime,
            };
            await library.Documents.InsertOneAsync(item);
            await notifications.TryAppendAsync(
                job.UserId, NotificationTypes.Library, new LibraryChange(LibraryChange.Added, item.Id, item.Title, item.SongId), NotificationsJsonContext.Default.LibraryChange);
        }
        catch (MongoException exception) when (exception.IsDuplicateKey())
        {
            // An earlier attempt added it; its invalidation may not have happened, so it is repeated below.
        }

        // Every cached page of the owner's library is stale now, and the song's id may have been looked up (and its
        // absence cached) before it existed; the cache's backplane tells every API replica.
        await invalidator.RemoveAsync(SongKeys.Area, SongKeys.Song(song.Id), "song-generated", CancellationToken.None);
        await invalidator.RemoveByTagAsync(LibraryKeys.Area, LibraryKeys.Tag(job.UserId), "song-generated", CancellationToken.None);
        return song.Id;
    }

    /// <remarks>
    /// Inserted without looking for an earlier attempt's song first: nearly every job gets here once, so the
    /// lookup would cost every job a round trip to spare the rare repeat an upload. A worker that dies between
    /// the upload and the insert leaves an unreferenced audio file named after the job; it is harmless, and
    /// deleting it here could delete a file another attempt is about to reference.
    /// </remarks>
    private async Task<SongDocument> InsertSongAsync(JobDocument job, byte[] audio)
    {
        var fileId = await songs.Audio.UploadFromBytesAsync(
            $"{job.Id}.wav",
            audio,
            new GridFSUploadOptions { Metadata = new BsonDocument { ["contentType"] = "audio/wav", ["jobId"] = job.Id } });
        var song = new SongDocument
        {
            OwnerId = job.UserId,
            Title = SongTitles.FromPrompt(job.Prompt),
            Prompt = job.Prompt,
            DurationSeconds = job.DurationSeconds,
            AudioFileId = fileId.ToString(),
            JobId = job.Id,
            CreatedAt = timeProvider.GetUtcNow().UtcDateTime,
        };
        try
        {
            await songs.Documents.InsertOneAsync(song);
            return song;
        }
        catch (MongoException exception) when (exception.IsDuplicateKey())
        {
            // Another attempt stored the song first; this upload is nobody's.
            await songs.Audio.DeleteAsync(fileId);
            return await songs.Documents.Find(Builders<SongDocument>.Filter.Eq(s => s.JobId, job.Id)).FirstAsync();
        }
    }
}

/// <summary>Song titles derived from prompts.</summary>
public static class SongTitles
{
    public const int MaximumLength = 60;

    /// <summary>The prompt's words, white space collapsed, first letter capitalised, cut at a word boundary.</summary>
    public static string FromPrompt(string prompt)
    {
        var title = string.Join(' ', prompt.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (title.Length > MaximumLength)
        {
            var cut = title.LastIndexOf(' ', MaximumLength - 1);
            title = string.Concat(title.AsSpan(0, cut > 0 ? cut : MaximumLength - 1), "…");
        }

        return title.Length == 0 ? "Untitled" : string.Concat(char.ToUpperInvariant(title[0]).ToString(), title.AsSpan(1));
    }
}
