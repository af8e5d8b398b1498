using Harmonia.ServiceDefaults.Data;
using MongoDB.Driver;
using MongoDB.Driver.GridFS;

namespace Harmonia.Contracts.Songs;

/// <summary>The <c>songs</c> collection, the <c>audio</c> GridFS bucket, and their indexes.</summary>
public sealed class SongStore(IMongoDatabase database)
{
    public const string Name = "songs";
    public const string AudioBucketName = "audio";

    public IMongoCollection<SongDocument> Documents { get; } = database.GetCollection<SongDocument>(Name);

    public GridFSBucket Audio { get; } = new(database, new GridFSBucketOptions { BucketName = AudioBucketName });

    public sealed class Indexes : IMongoIndexes
    {
        public Task CreateAsync(IMongoDatabase database, CancellationToken cancellationToken) =>
            database.GetCollection<SongDocument>(Name).Indexes.CreateManyAsync(
            [
                new CreateIndexModel<SongDocument>(
                    Builders<SongDocument>.IndexKeys.Ascending(song => song.JobId),
                    new CreateIndexOptions<SongDocument>
                    {
                        Unique = true,
                        Name = "jobId_unique",
                        PartialFilterExpression = Builders<SongDocument>.Filter.Type(song => song.JobId, "objectId"),
                    }),
                new CreateIndexModel<SongDocument>(Builders<SongDocument>.IndexKeys.Ascending(song => song.OwnerId)),
            ],
            cancellationToken);
    }
}
