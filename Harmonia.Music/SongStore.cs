using Harmonia.DataStores;
using MongoDB.Driver;
using MongoDB.Driver.GridFS;

namespace Harmonia.Music;

/// <summary>The <c>songs</c> collection, the <c>audio</c> GridFS bucket, and their indexes.</summary>
public sealed class SongStore(IMongoDatabase database)
{
    public const string Name = "songs";
    public const string AudioBucketName = "audio";

    /// <summary>
    /// Chunks of 64 KiB rather than GridFS's default 255 KiB: an upload allocates a buffer per chunk plus a read
    /// buffer, and at the default size each was a large-object-heap allocation that only a gen2 collection frees
    /// (the worker ran about ten gen2 collections a second storing no-op songs). Below the 85,000-byte threshold
    /// they are short-lived gen0 garbage. The size is recorded per file, so files stored with other sizes still read.
    /// </summary>
    private const int AudioChunkSizeBytes = 64 * 1024;

    public IMongoCollection<SongDocument> Documents { get; } = database.GetCollection<SongDocument>(Name);

    public GridFSBucket Audio { get; } = new(database, new GridFSBucketOptions { BucketName = AudioBucketName, ChunkSizeBytes = AudioChunkSizeBytes });

    /// <summary>The song, or null when there is no such song or it belongs to someone else.</summary>
    public Task<SongDocument?> FindOwnedAsync(string songId, string ownerId, CancellationToken cancellationToken) =>
        Documents.Find(Builders<SongDocument>.Filter.Eq(song => song.Id, songId) & Builders<SongDocument>.Filter.Eq(song => song.OwnerId, ownerId))
            .FirstOrDefaultAsync(cancellationToken)!;

    public sealed class Indexes : IMongoIndexes
    {
        public IReadOnlyList<string> Collections => [Name, $"{AudioBucketName}.files", $"{AudioBucketName}.chunks"];

        public Task CreateAsync(IMongoDatabase database, CancellationToken cancellationToken) =>
            database.GetCollection<SongDocument>(Name).Indexes.CreateManyAsync(
            [
                new CreateIndexModel<SongDocument>(
                    Builders<SongDocument>.IndexKeys.Ascending(song => song.JobId),
                    // Sparse: only documents a job made carry the field, and each job makes at most one.
                    new CreateIndexOptions { Unique = true, Sparse = true, Name = "jobId_unique" }),
                new CreateIndexModel<SongDocument>(Builders<SongDocument>.IndexKeys.Ascending(song => song.OwnerId)),
                // The retention sweep's question, per batch of audio files: which of these does some song reference?
                new CreateIndexModel<SongDocument>(Builders<SongDocument>.IndexKeys.Ascending(song => song.AudioFileId)),
            ],
            cancellationToken);
    }
}
