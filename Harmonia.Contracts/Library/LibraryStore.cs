using Harmonia.ServiceDefaults.Data;
using MongoDB.Driver;

namespace Harmonia.Contracts.Library;

/// <summary>The <c>library</c> collection and the indexes its pages and idempotent inserts need.</summary>
public sealed class LibraryStore(IMongoDatabase database)
{
    public const string Name = "library";

    public IMongoCollection<LibraryItemDocument> Documents { get; } = database.GetCollection<LibraryItemDocument>(Name);

    public sealed class Indexes : IMongoIndexes
    {
        public Task CreateAsync(IMongoDatabase database, CancellationToken cancellationToken) =>
            database.GetCollection<LibraryItemDocument>(Name).Indexes.CreateManyAsync(
            [
                // Pages: one user's items, optionally of one type, newest first.
                new CreateIndexModel<LibraryItemDocument>(Builders<LibraryItemDocument>.IndexKeys
                    .Ascending(item => item.UserId).Descending(item => item.CreatedAt)),
                new CreateIndexModel<LibraryItemDocument>(Builders<LibraryItemDocument>.IndexKeys
                    .Ascending(item => item.UserId).Ascending(item => item.Type).Descending(item => item.CreatedAt)),
                new CreateIndexModel<LibraryItemDocument>(
                    Builders<LibraryItemDocument>.IndexKeys.Ascending(item => item.JobId),
                    new CreateIndexOptions<LibraryItemDocument>
                    {
                        Unique = true,
                        Name = "jobId_unique",
                        PartialFilterExpression = Builders<LibraryItemDocument>.Filter.Type(item => item.JobId, "objectId"),
                    }),
            ],
            cancellationToken);
    }
}
