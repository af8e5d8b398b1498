using Harmonia.DataStores;
using MongoDB.Driver;

namespace Harmonia.Music;

/// <summary>The <c>library</c> collection and the indexes its pages and idempotent inserts need.</summary>
public sealed class LibraryStore(IMongoDatabase database)
{
    public const string Name = "library";

    public IMongoCollection<LibraryItemDocument> Documents { get; } = database.GetCollection<LibraryItemDocument>(Name);

    public sealed class Indexes : IMongoIndexes
    {
        public IReadOnlyList<string> Collections => [Name];

        public Task CreateAsync(IMongoDatabase database, CancellationToken cancellationToken) =>
            database.GetCollection<LibraryItemDocument>(Name).Indexes.CreateManyAsync(
            [
                // Pages: one user's items, optionally of one type, newest first, ties by id. The keys are the page's
                // filter, then its sort, id included, so MongoDB walks the index in page order and sorts nothing in memory.
                new CreateIndexModel<LibraryItemDocument>(Builders<LibraryItemDocument>.IndexKeys
                    .Ascending(item => item.UserId).Descending(item => item.CreatedAt).Descending(item => item.Id)),
                new CreateIndexModel<LibraryItemDocument>(Builders<LibraryItemDocument>.IndexKeys
                    .Ascending(item => item.UserId).Ascending(item => item.Type).Descending(item => item.CreatedAt).Descending(item => item.Id)),
                new CreateIndexModel<LibraryItemDocument>(
                    Builders<LibraryItemDocument>.IndexKeys.Ascending(item => item.JobId),
                    // Sparse: only documents a job made carry the field, and each job makes at most one.
                    new CreateIndexOptions { Unique = true, Sparse = true, Name = "jobId_unique" }),
            ],
            cancellationToken);
    }
}
