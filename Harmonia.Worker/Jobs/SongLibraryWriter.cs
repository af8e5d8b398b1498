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
/// Stores what a song job produced: the audio in GridFS, the song, and the item in its owner's library; then tells
/// the owner and the caches. The documents go in either inside the caller's transaction (<see cref="JobCompletion"/>)
/// or on their own, safe to repeat for the same job: the unique indexes on <c>jobId</c> keep exactly one song and one
/// library item per job, however many attempts (or zombie workers) get this far.
/// </summary>
public sealed class SongLibraryWriter(SongStore songs, LibraryStore library, CacheInvalidator invalidator, UserNotifications notifications, TimeProvider timeProvider)
{
    /// <remarks>
    /// Uploaded before the song is inserted and outside any transaction (it is large, a transaction should be short).
    /// A worker that dies before the insert leaves an unreferenced file named after the job; retention deletes it.
    /// </remarks>
    public Task<ObjectId> UploadAsync(JobDocument job, byte[] audio) =>
        songs.Audio.UploadFromBytesAsync(
            $"{job.Id}.wav",
            audio,
            new GridFSUploadOptions { Metadata = new BsonDocument { ["contentType"] = "audio/wav", ["jobId"] = job.Id } });

    /// <summary>Deletes an upload no song references, and none ever will (its song went with an undone transaction).</summary>
    public Task DeleteUploadAsync(ObjectId fileId) => songs.Audio.DeleteAsync(fileId);

    /// <summary>
    /// Inserts the song and its library item in <paramref name="session"/>'s transaction. A song or item an earlier
    /// attempt stored outside a transaction makes the insert throw a duplicate key, which undoes the transaction.
    /// </summary>
    public async Task<StoredSong> InsertAsync(IClientSessionHandle session, JobDocument job, ObjectId fileId, CancellationToken cancellationToken)
    {
        var song = NewSong(job, fileId);
        await songs.Documents.InsertOneAsync(session, song, cancellationToken: cancellationToken);
        var item = NewItem(job, song);
        await library.Documents.InsertOneAsync(session, item, cancellationToken: cancellationToken);
        return new StoredSong(song, item);
    }

    /// <summary>Inserts the song and its library item, or keeps the ones an earlier attempt stored.</summary>
    /// <remarks>
    /// Inserted without looking for an earlier attempt's song first: nearly every job gets here once, so the lookup
    /// would cost every job a round trip to spare the rare repeat an upload.
    /// </remarks>
    public async Task<StoredSong> InsertOrKeepAsync(JobDocument job, ObjectId fileId)
    {
        var song = await InsertSongOrKeepAsync(job, fileId);
        var item = NewItem(job, song);
        try
        {
            await library.Documents.InsertOneAsync(item);
            return new StoredSong(song, item);
        }
        catch (MongoException exception) when (exception.IsDuplicateKey())
        {
            // An earlier attempt added it; its invalidation may not have happened, so AnnounceAsync repeats it.
            return new StoredSong(song, NewItem: null);
        }
    }

    /// <summary>
    /// Tells the owner of a library item this attempt added, and drops what the caches hold: every cached page of the
    /// owner's library is stale now, and the song's id may have been looked up (and its absence cached) before it
    /// existed. The cache's backplane tells every API replica.
    /// </summary>
    public async Task AnnounceAsync(JobDocument job, StoredSong stored)
    {
        if (stored.NewItem is { } item)
        {
            await notifications.TryAppendAsync(
                job.UserId, NotificationTypes.Library, new LibraryChange(LibraryChange.Added, item.Id, item.Title, item.SongId), NotificationsJsonContext.Default.LibraryChange);
        }

        await invalidator.RemoveAsync(SongKeys.Area, SongKeys.Song(stored.Song.Id), "song-generated");
        await invalidator.RemoveByTagAsync(LibraryKeys.Area, LibraryKeys.Tag(job.UserId), "song-generated");
    }

    private async Task<SongDocument> InsertSongOrKeepAsync(JobDocument job, ObjectId fileId)
    {
        try
        {
            var song = NewSong(job, fileId);
            await songs.Documents.InsertOneAsync(song);
            return song;
        }
        catch (MongoException exception) when (exception.IsDuplicateKey())
        {
            // Another attempt stored the song first; this upload is nobody's.
            await DeleteUploadAsync(fileId);
            return await songs.Documents.Find(Builders<SongDocument>.Filter.Eq(s => s.JobId, job.Id)).FirstAsync();
        }
    }

    private SongDocument NewSong(JobDocument job, ObjectId fileId) => new()
    {
        OwnerId = job.UserId,
        Title = SongTitles.FromPrompt(job.Prompt),
        Prompt = job.Prompt,
        DurationSeconds = job.DurationSeconds,
        AudioFileId = fileId.ToString(),
        JobId = job.Id,
        CreatedAt = timeProvider.GetUtcNow().UtcDateTime,
    };

    private LibraryItemDocument NewItem(JobDocument job, SongDocument song) => new()
    {
        UserId = job.UserId,
        Type = LibraryItemType.Song,
        Title = song.Title,
        SongId = song.Id,
        JobId = job.Id,
        CreatedAt = timeProvider.GetUtcNow().UtcDateTime,
    };
}

/// <summary>A job's song, and its library item when this attempt added it (null when an earlier one had).</summary>
public sealed record StoredSong(SongDocument Song, LibraryItemDocument? NewItem);

/// <summary>Song titles derived from prompts.</summary>
public static class SongTitles
{
    public const int MaximumLength = 60;

    /// <summary>
    /// The prompt's words, white space collapsed, first letter capitalised, cut at a word boundary, or where no word
    /// ends early enough between whole characters (<see cref="StoredText.Truncate"/>): a prompt of emoji alone has no
    /// spaces, and half an emoji would fail the song's insert on every attempt.
    /// </summary>
    public static string FromPrompt(string prompt)
    {
        var title = string.Join(' ', prompt.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (title.Length > MaximumLength)
        {
            var cut = title.LastIndexOf(' ', MaximumLength - 1);
            title = string.Concat(cut > 0 ? title.AsSpan(0, cut) : StoredText.Truncate(title, MaximumLength - 1), "…");
        }

        return title.Length == 0 ? "Untitled" : string.Concat(char.ToUpperInvariant(title[0]).ToString(), title.AsSpan(1));
    }
}
