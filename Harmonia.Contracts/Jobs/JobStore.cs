using Harmonia.ServiceDefaults.Data;
using MongoDB.Driver;

namespace Harmonia.Contracts.Jobs;

/// <summary>The <c>jobs</c> collection and the indexes its lookups, idempotent submissions and recovery sweeps need.</summary>
public sealed class JobStore(IMongoDatabase database)
{
    public const string Name = "jobs";

    public IMongoCollection<JobDocument> Documents { get; } = database.GetCollection<JobDocument>(Name);

    public sealed class Indexes : IMongoIndexes
    {
        public IReadOnlyList<string> Collections => [Name];

        public Task CreateAsync(IMongoDatabase database, CancellationToken cancellationToken) =>
            database.GetCollection<JobDocument>(Name).Indexes.CreateManyAsync(
            [
                // A user's jobs, newest first.
                new CreateIndexModel<JobDocument>(Builders<JobDocument>.IndexKeys
                    .Ascending(job => job.UserId).Descending(job => job.CreatedAt)),
                // The same Idempotency-Key from the same user is the same job, even when Redis has forgotten it.
                new CreateIndexModel<JobDocument>(
                    Builders<JobDocument>.IndexKeys.Ascending(job => job.UserId).Ascending(job => job.IdempotencyKey),
                    new CreateIndexOptions<JobDocument>
                    {
                        Unique = true,
                        Name = "userId_idempotencyKey_unique",
                        PartialFilterExpression = Builders<JobDocument>.Filter.Type(job => job.IdempotencyKey, "string"),
                    }),
                // The reconciler's sweep: unfinished jobs of one queue, least recently changed first.
                new CreateIndexModel<JobDocument>(Builders<JobDocument>.IndexKeys
                    .Ascending(job => job.Queue).Ascending(job => job.Status).Ascending(job => job.UpdatedAt)),
            ],
            cancellationToken);
    }
}
