using Harmonia.DataStores;
using MongoDB.Driver;

namespace Harmonia.Jobs;

/// <summary>
/// The <c>jobs</c> collection: the source of truth for every job, its indexes, and every state change a job
/// goes through. Each change is one conditional update, so concurrent writers (the API canceling, a worker
/// settling, a worker taking over) can race in any order and only a change the job's state allows lands.
/// </summary>
/// <remarks>About 260 lines: the whole state machine of a job, operators' transitions included, is kept in one place on purpose.</remarks>
public sealed class JobStore(IMongoDatabase database, TimeProvider timeProvider)
{
    public const string Name = "jobs";

    private static FilterDefinitionBuilder<JobDocument> Filter => Builders<JobDocument>.Filter;

    private static UpdateDefinitionBuilder<JobDocument> Update => Builders<JobDocument>.Update;

    private static readonly FindOneAndUpdateOptions<JobDocument> ReturnAfter = new() { ReturnDocument = ReturnDocument.After };

    public IMongoCollection<JobDocument> Documents { get; } = database.GetCollection<JobDocument>(Name);

    private DateTime Now => timeProvider.GetUtcNow().UtcDateTime;

    /// <summary>Stores a new job; false when its owner already used its Idempotency-Key (the unique index decides).</summary>
    public async Task<bool> TryInsertAsync(JobDocument job, CancellationToken cancellationToken)
    {
        try
        {
            await Documents.InsertOneAsync(job, cancellationToken: cancellationToken);
            return true;
        }
        catch (MongoException exception) when (job.IdempotencyKey is not null && exception.IsDuplicateKey())
        {
            return false;
        }
    }

    /// <summary>The user's jobs in the queue that wait to start, retries included: what the waiting cap counts.</summary>
    public Task<long> CountWaitingAsync(string userId, string queue, CancellationToken cancellationToken) =>
        Documents.CountDocumentsAsync(
            Filter.Eq(job => job.UserId, userId) & Filter.Eq(job => job.Queue, queue) & Filter.Eq(job => job.Status, JobStatus.Pending),
            cancellationToken: cancellationToken);

    /// <summary>
    /// The user's jobs created after <paramref name="since"/>, of any queue and state: what the daily quota counts. A range
    /// of the index on userId and createdAt, so the count is an index range scan.
    /// </summary>
    public Task<long> CountCreatedSinceAsync(string userId, DateTime since, CancellationToken cancellationToken) =>
        Documents.CountDocumentsAsync(CreatedSince(userId, since), cancellationToken: cancellationToken);

    /// <summary>When the user's oldest job created after <paramref name="since"/> was created; null when there is none.</summary>
    /// <remarks>Reads the whole job: it runs only on a refusal, and the driver fails to read a projection of the date alone (the server returns its _id with it).</remarks>
    public async Task<DateTime?> FindFirstCreatedSinceAsync(string userId, DateTime since, CancellationToken cancellationToken) =>
        (await Documents.Find(CreatedSince(userId, since))
            .SortBy(job => job.CreatedAt).ThenBy(job => job.Id)
            .FirstOrDefaultAsync(cancellationToken))?.CreatedAt;

    private static FilterDefinition<JobDocument> CreatedSince(string userId, DateTime since) =>
        Filter.Eq(job => job.UserId, userId) & Filter.Gt(job => job.CreatedAt, since);

    /// <summary>
    /// Takes back a submission that was never dispatched (it went over a cap), so nothing remains of it; false when the
    /// job stands after all: a job with an Idempotency-Key only while still awaiting admission, since a repeat may admit
    /// it first (<see cref="AdmitAsync"/>), and whichever of the two lands first decides.
    /// </summary>
    public async Task<bool> WithdrawAsync(JobDocument job, CancellationToken cancellationToken)
    {
        var filter = Filter.Eq(stored => stored.Id, job.Id) & Filter.Eq(stored => stored.Status, JobStatus.Pending);
        if (job.AwaitingAdmission)
        {
            filter &= Filter.Eq(stored => stored.AwaitingAdmission, true);
        }

        return (await Documents.DeleteOneAsync(filter, cancellationToken)).DeletedCount == 1;
    }

    /// <summary>
    /// Takes back a job without an Idempotency-Key whose submission failed before anything was told of it, admitted or
    /// not: nothing but its own submission admits such a job, and that admission may have landed with its answer lost.
    /// </summary>
    public async Task<bool> WithdrawUnannouncedAsync(string jobId, CancellationToken cancellationToken) =>
        (await Documents.DeleteOneAsync(
            Filter.Eq(job => job.Id, jobId) & Filter.Eq(job => job.Status, JobStatus.Pending) & Filter.Eq(job => job.IdempotencyKey, null),
            cancellationToken)).DeletedCount == 1;

    /// <summary>Marks the job as past the waiting cap, so repeats of its request answer with it; null when it was withdrawn.</summary>
    public Task<JobDocument?> AdmitAsync(string jobId, CancellationToken cancellationToken) =>
        Documents.FindOneAndUpdateAsync(Filter.Eq(job => job.Id, jobId), Update.Unset(job => job.AwaitingAdmission), ReturnAfter, cancellationToken)!;

    /// <summary>The job submitted with the key; null when it was withdrawn (refused at a cap) since the caller's insert collided with it.</summary>
    public Task<JobDocument?> FindByIdempotencyKeyAsync(string userId, string idempotencyKey, CancellationToken cancellationToken) =>
        Documents.Find(Filter.Eq(job => job.UserId, userId) & Filter.Eq(job => job.IdempotencyKey, idempotencyKey)).FirstOrDefaultAsync(cancellationToken)!;

    public Task<JobDocument?> FindAsync(string jobId, CancellationToken cancellationToken) =>
        Documents.Find(Filter.Eq(job => job.Id, jobId)).FirstOrDefaultAsync(cancellationToken)!;

    /// <summary>The job, or null when there is no such job or it belongs to someone else.</summary>
    public Task<JobDocument?> FindOwnedAsync(string jobId, string userId, CancellationToken cancellationToken) =>
        Documents.Find(Owned(jobId, userId)).FirstOrDefaultAsync(cancellationToken)!;

    /// <summary>One page of a user's jobs, newest first, and whether more follow.</summary>
    public async Task<(IReadOnlyList<JobDocument> Jobs, bool HasMore)> ListAsync(string userId, int page, int pageSize, CancellationToken cancellationToken)
    {
        var jobs = await Documents.Find(Filter.Eq(job => job.UserId, userId))
            .SortByDescending(job => job.CreatedAt).ThenByDescending(job => job.Id)
            .Skip((page - 1) * pageSize)
            .Limit(pageSize + 1)
            .ToListAsync(cancellationToken);
        return (jobs.Take(pageSize).ToList(), jobs.Count > pageSize);
    }

    /// <summary>
    /// One page of a queue's unfinished jobs unchanged since <paramref name="quietSince"/>, least recently changed first
    /// (ties by id), starting after <paramref name="after"/>, the last job of the page before (null for the first). A job
    /// that changes meanwhile leaves the pages still to come (it is no longer quiet), so paging skips no quiet job.
    /// </summary>
    public Task<List<JobDocument>> FindQuietUnfinishedAsync(string queue, DateTime quietSince, JobDocument? after, int limit, CancellationToken cancellationToken)
    {
        var filter = Filter.Eq(job => job.Queue, queue)
            & Filter.In(job => job.Status, [JobStatus.Pending, JobStatus.Running])
            & Filter.Lt(job => job.UpdatedAt, quietSince);
        if (after is not null)
        {
            filter &= Filter.Gt(job => job.UpdatedAt, after.UpdatedAt)
                | (Filter.Eq(job => job.UpdatedAt, after.UpdatedAt) & Filter.Gt(job => job.Id, after.Id));
        }

        return Documents.Find(filter)
            .SortBy(job => job.UpdatedAt).ThenBy(job => job.Id)
            .Limit(limit)
            .ToListAsync(cancellationToken);
    }

    /// <summary>Flags a pending or running job of the user's as canceled; null when it has none that may still be canceled.</summary>
    public Task<JobDocument?> RequestCancelAsync(string jobId, string userId, CancellationToken cancellationToken) =>
        Documents.FindOneAndUpdateAsync(
            Owned(jobId, userId) & Filter.In(job => job.Status, [JobStatus.Pending, JobStatus.Running]),
            Update.Set(job => job.CancelRequested, true).Set(job => job.UpdatedAt, Now).Inc(job => job.Version, 1),
            ReturnAfter,
            cancellationToken)!;

    /// <summary>
    /// Whether the job's owner asked to cancel it. A worker asks once its generator is done, before it stores anything:
    /// the notice through Redis may have been lost, and this flag decides.
    /// </summary>
    public Task<bool> IsCancelRequestedAsync(string jobId) =>
        Documents.Find(Filter.Eq(job => job.Id, jobId) & Filter.Eq(job => job.CancelRequested, true)).Project(job => job.Id).AnyAsync();

    /// <summary>Cancels a job no worker has claimed; null when one claimed it in the meantime.</summary>
    public Task<JobDocument?> CancelPendingAsync(string jobId, CancellationToken cancellationToken)
    {
        var now = Now;
        return Documents.FindOneAndUpdateAsync(
            Filter.Eq(job => job.Id, jobId) & Filter.Eq(job => job.Status, JobStatus.Pending),
            Update.Set(job => job.Status, JobStatus.Canceled)
                .Set(job => job.NextAttemptAt, null)
                .Set(job => job.CompletedAt, now)
                .Set(job => job.UpdatedAt, now)
                .Inc(job => job.Version, 1),
            ReturnAfter,
            cancellationToken)!;
    }

    /// <summary>
    /// Makes <paramref name="leaseToken"/> the job's owner and starts an attempt, unless the job is settled or waits
    /// out a retry backoff. A running job is taken over too: holding the Redis lease proves the previous owner's
    /// expired. The filter admits only a job that may start now, so the common case is one round trip; a job still
    /// awaiting admission may never start (its submission may yet answer 503).
    /// </summary>
    public Task<JobDocument?> TryClaimAsync(string jobId, string leaseToken)
    {
        var now = Now;
        return Documents.FindOneAndUpdateAsync(
            Filter.Eq(job => job.Id, jobId)
                & Filter.In(job => job.Status, [JobStatus.Pending, JobStatus.Running])
                & (Filter.Eq(job => job.NextAttemptAt, null) | Filter.Lte(job => job.NextAttemptAt, now))
                // Never a job awaiting admission, whatever put it on the stream (an older reconciler in a rolling deploy).
                & Filter.Ne(job => job.AwaitingAdmission, true),
            Update.Set(job => job.Status, JobStatus.Running)
                .Set(job => job.LeaseOwner, leaseToken)
                .Set(job => job.Progress, 0)
                .Set(job => job.StartedAt, now)
                .Set(job => job.UpdatedAt, now)
                .Set(job => job.NextAttemptAt, null)
                .Inc(job => job.Attempts, 1)
                .Inc(job => job.Version, 1),
            ReturnAfter)!;
    }

    /// <param name="session">A session in a transaction the completion joins (with the song it names), or none.</param>
    public Task<JobDocument?> CompleteAsync(string jobId, string leaseToken, string songId, IClientSessionHandle? session = null) =>
        SettleAsync(jobId, leaseToken, Update
            .Set(job => job.Status, JobStatus.Completed)
            .Set(job => job.Progress, 100)
            .Set(job => job.SongId, songId)
            .Set(job => job.Error, null)
            .Set(job => job.CompletedAt, Now), session);

    public Task<JobDocument?> CancelAsync(string jobId, string leaseToken, int progress) =>
        SettleAsync(jobId, leaseToken, Update
            .Set(job => job.Status, JobStatus.Canceled)
            .Set(job => job.Progress, progress)
            .Set(job => job.CompletedAt, Now));

    /// <summary>Fails the job; null when a newer owner has it or its owner asked to cancel it (then <see cref="CancelAsync"/> ends it).</summary>
    public Task<JobDocument?> FailAsync(string jobId, string leaseToken, string error, int progress) =>
        SettleAsync(jobId, leaseToken, Update
            .Set(job => job.Status, JobStatus.Failed)
            .Set(job => job.Progress, progress)
            .Set(job => job.Error, error)
            .Set(job => job.CompletedAt, Now), unlessCancelRequested: true);

    /// <summary>
    /// Puts the job back to pending until <paramref name="due"/>, keeping the failed attempt's error on show; null when a
    /// newer owner has it or its owner asked to cancel it (then <see cref="CancelAsync"/> ends it).
    /// </summary>
    public Task<JobDocument?> ScheduleRetryAsync(string jobId, string leaseToken, string error, DateTimeOffset due) =>
        SettleAsync(jobId, leaseToken, Update
            .Set(job => job.Status, JobStatus.Pending)
            .Set(job => job.Progress, 0)
            .Set(job => job.Error, error)
            .Set(job => job.NextAttemptAt, due.UtcDateTime), unlessCancelRequested: true);

    /// <summary>Hands the job back on shutdown: the attempt did not fail, so it is not counted.</summary>
    public Task<JobDocument?> ReleaseAsync(string jobId, string leaseToken) =>
        SettleAsync(jobId, leaseToken, Update
            .Set(job => job.Status, JobStatus.Pending)
            .Set(job => job.Progress, 0)
            .Inc(job => job.Attempts, -1));

    /// <summary>Puts a failed job back in its queue with a fresh set of attempts (an operator's retry); null unless it failed.</summary>
    public Task<JobDocument?> RetryFailedAsync(string jobId) =>
        Documents.FindOneAndUpdateAsync(
            Filter.Eq(job => job.Id, jobId) & Filter.Eq(job => job.Status, JobStatus.Failed),
            Update.Set(job => job.Status, JobStatus.Pending)
                .Set(job => job.Progress, 0)
                .Set(job => job.Attempts, 0)
                .Set(job => job.NextAttemptAt, null)
                .Set(job => job.CompletedAt, null)
                .Set(job => job.UpdatedAt, Now)
                .Inc(job => job.Version, 1),
            ReturnAfter)!;

    /// <summary>Ends the backoff of a job waiting to be retried, so it may start now; null unless it was waiting one out.</summary>
    public Task<JobDocument?> EndBackoffAsync(string jobId) =>
        Documents.FindOneAndUpdateAsync(
            Filter.Eq(job => job.Id, jobId) & Filter.Eq(job => job.Status, JobStatus.Pending) & Filter.Ne(job => job.NextAttemptAt, null),
            Update.Set(job => job.NextAttemptAt, null).Set(job => job.UpdatedAt, Now).Inc(job => job.Version, 1),
            ReturnAfter)!;

    /// <summary>Deletes a finished job (completed, failed or canceled); false when there is no finished job with that id.</summary>
    public async Task<bool> DeleteFinishedAsync(string jobId, CancellationToken cancellationToken) =>
        (await Documents.DeleteOneAsync(
            Filter.Eq(job => job.Id, jobId) & Filter.In(job => job.Status, [JobStatus.Completed, JobStatus.Failed, JobStatus.Canceled]),
            cancellationToken)).DeletedCount == 1;

    /// <summary>
    /// Ends an attempt, only if <paramref name="leaseToken"/> still owns it; null means a newer owner has the job,
    /// and the caller must leave everything (its stream entry included, which may be the new owner's) alone, or, with
    /// <paramref name="unlessCancelRequested"/>, that the owner asked to cancel it.
    /// </summary>
    /// <param name="unlessCancelRequested">
    /// Whether a cancel request stops the change too: the flag is tested in the same update that ends the attempt, so a
    /// cancel landing at any moment before it is honoured, with no window between a read and the write.
    /// </param>
    private Task<JobDocument?> SettleAsync(
        string jobId, string leaseToken, UpdateDefinition<JobDocument> update, IClientSessionHandle? session = null, bool unlessCancelRequested = false)
    {
        var owned = Filter.Eq(job => job.Id, jobId) & Filter.Eq(job => job.LeaseOwner, leaseToken) & Filter.Eq(job => job.Status, JobStatus.Running);
        if (unlessCancelRequested)
        {
            owned &= Filter.Ne(job => job.CancelRequested, true);
        }

        var settled = update.Set(job => job.LeaseOwner, null).Set(job => job.UpdatedAt, Now).Inc(job => job.Version, 1);
        return (session is null
            ? Documents.FindOneAndUpdateAsync(owned, settled, ReturnAfter)
            : Documents.FindOneAndUpdateAsync(session, owned, settled, ReturnAfter))!;
    }

    private static FilterDefinition<JobDocument> Owned(string jobId, string userId) =>
        Filter.Eq(job => job.Id, jobId) & Filter.Eq(job => job.UserId, userId);

    public sealed class Indexes : IMongoIndexes
    {
        public IReadOnlyList<string> Collections => [Name];

        public Task CreateAsync(IMongoDatabase database, CancellationToken cancellationToken) =>
            database.GetCollection<JobDocument>(Name).Indexes.CreateManyAsync(
            [
                // A user's jobs, newest first (ListAsync): the keys are its filter, then its sort, ties by id included, so
                // MongoDB walks the index in page order and sorts nothing in memory. The daily quota's count and its oldest
                // job (CountCreatedSinceAsync) are a range of the same keys.
                new CreateIndexModel<JobDocument>(Builders<JobDocument>.IndexKeys
                    .Ascending(job => job.UserId).Descending(job => job.CreatedAt).Descending(job => job.Id)),
                // The same Idempotency-Key from the same user is the same job, even when Redis has forgotten it.
                new CreateIndexModel<JobDocument>(
                    Builders<JobDocument>.IndexKeys.Ascending(job => job.UserId).Ascending(job => job.IdempotencyKey),
                    new CreateIndexOptions<JobDocument>
                    {
                        Unique = true,
                        Name = "userId_idempotencyKey_unique",
                        PartialFilterExpression = Builders<JobDocument>.Filter.Type(job => job.IdempotencyKey, "string"),
                    }),
                // The reconciler's sweep: unfinished jobs of one queue, least recently changed first, page by page.
                new CreateIndexModel<JobDocument>(Builders<JobDocument>.IndexKeys
                    .Ascending(job => job.Queue).Ascending(job => job.Status).Ascending(job => job.UpdatedAt).Ascending(job => job.Id)),
            ],
            cancellationToken);
    }
}
