using System.Diagnostics;
using Harmonia.Contracts.Jobs;
using Harmonia.ServiceDefaults.Data;
using Microsoft.Extensions.Options;
using MongoDB.Driver;
using StackExchange.Redis;

namespace Harmonia.Api.Jobs;

/// <summary>
/// Accepts, reads and cancels jobs. MongoDB is written first and decides every outcome; Redis is then told
/// (dispatch, status, cancel notice) on a best-effort basis, because the worker's reconciler repairs
/// anything Redis missed.
/// </summary>
public sealed partial class JobService(
    JobStore jobs,
    JobStatusStore statuses,
    JobDispatcher dispatcher,
    JobMetrics metrics,
    IConnectionMultiplexer redis,
    IOptions<JobQueueOptions> queue,
    TimeProvider timeProvider,
    ILogger<JobService> logger)
{
    /// <summary>
    /// Creates the job and dispatches it; with an Idempotency-Key, a repeat of an earlier request returns that
    /// request's job instead (the unique index decides, so concurrent repeats agree).
    /// </summary>
    public async Task<Submission> SubmitAsync(string userId, CreateJobRequest request, string? idempotencyKey, CancellationToken cancellationToken)
    {
        using var activity = JobTelemetry.ActivitySource.StartActivity("submit job", ActivityKind.Producer);
        var now = timeProvider.GetUtcNow().UtcDateTime;
        var job = new JobDocument
        {
            UserId = userId,
            Queue = queue.Value.Queue,
            Type = JobType.Song,
            Prompt = request.Prompt.Trim(),
            DurationSeconds = request.DurationSeconds,
            IdempotencyKey = idempotencyKey,
            Status = JobStatus.Pending,
            Version = 1,
            TraceParent = (activity ?? Activity.Current)?.Id,
            CreatedAt = now,
            UpdatedAt = now,
        };
        activity?.SetTag("harmonia.job.id", job.Id);

        try
        {
            await jobs.Documents.InsertOneAsync(job, cancellationToken: cancellationToken);
        }
        catch (MongoException exception) when (idempotencyKey is not null && exception.IsDuplicateKey())
        {
            var earlier = await jobs.Documents.Find(j => j.UserId == userId && j.IdempotencyKey == idempotencyKey).FirstAsync(cancellationToken);
            return request.Matches(earlier)
                ? new Submission(await GetAsync(userId, earlier.Id, cancellationToken) ?? JobSnapshot.From(earlier), Replayed: true)
                : new Submission(null, Replayed: false);
        }

        var snapshot = JobSnapshot.From(job);
        try
        {
            await Task.WhenAll(
                statuses.WriteAsync(snapshot, publish: false),
                dispatcher.DispatchAsync(job.Id, job.TraceParent, DispatchReason.Submitted));
        }
        catch (Exception exception) when (exception is RedisException or RedisTimeoutException)
        {
            LogDispatchDeferred(logger, job.Id, exception);
        }

        return new Submission(snapshot, Replayed: false);
    }

    /// <summary>The caller's job: from Redis when it has it, else from MongoDB (and Redis is refilled). Null when not theirs.</summary>
    public async Task<JobSnapshot?> GetAsync(string userId, string jobId, CancellationToken cancellationToken)
    {
        try
        {
            if (await statuses.ReadAsync(jobId) is { } cached)
            {
                return cached.UserId == userId ? cached : null;
            }
        }
        catch (Exception exception) when (exception is RedisException or RedisTimeoutException)
        {
            LogStatusReadFailed(logger, jobId, exception);
        }

        var job = await jobs.Documents.Find(OwnJob(jobId, userId)).FirstOrDefaultAsync(cancellationToken);
        if (job is null)
        {
            return null;
        }

        var snapshot = JobSnapshot.From(job);
        try
        {
            await statuses.WriteAsync(snapshot, publish: false);
        }
        catch (Exception exception) when (exception is RedisException or RedisTimeoutException)
        {
            LogStatusWriteFailed(logger, jobId, exception);
        }

        return snapshot;
    }

    /// <summary>One page of the caller's jobs, newest first; unfinished ones show their live progress from Redis.</summary>
    public async Task<(IReadOnlyList<JobSnapshot> Jobs, bool HasMore)> ListAsync(string userId, int page, int pageSize, CancellationToken cancellationToken)
    {
        var documents = await jobs.Documents.Find(j => j.UserId == userId)
            .SortByDescending(j => j.CreatedAt).ThenByDescending(j => j.Id)
            .Skip((page - 1) * pageSize)
            .Limit(pageSize + 1)
            .ToListAsync(cancellationToken);
        var hasMore = documents.Count > pageSize;
        var snapshots = documents.Take(pageSize).Select(JobSnapshot.From).ToList();

        var unfinished = snapshots.Where(s => !s.IsFinal).Select(s => s.Id).ToList();
        if (unfinished.Count > 0)
        {
            try
            {
                var live = await statuses.ReadManyAsync(unfinished);
                snapshots = [.. snapshots.Select(s => live.TryGetValue(s.Id, out var newer) && newer.IsNewerThan(s) ? newer : s)];
            }
            catch (Exception exception) when (exception is RedisException or RedisTimeoutException)
            {
                LogStatusReadFailed(logger, userId, exception);
            }
        }

        return (snapshots, hasMore);
    }

    /// <summary>
    /// Cancels the caller's job. A pending job is canceled at once; a running one is flagged in MongoDB (so a
    /// worker that takes it over later sees it too) and its worker is told through Redis.
    /// </summary>
    public async Task<Cancellation> CancelAsync(string userId, string jobId, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow().UtcDateTime;
        var flagged = await jobs.Documents.FindOneAndUpdateAsync<JobDocument>(
            j => j.Id == jobId && j.UserId == userId && (j.Status == JobStatus.Pending || j.Status == JobStatus.Running),
            Builders<JobDocument>.Update.Set(j => j.CancelRequested, true).Set(j => j.UpdatedAt, now).Inc(j => j.Version, 1),
            new FindOneAndUpdateOptions<JobDocument> { ReturnDocument = ReturnDocument.After },
            cancellationToken);
        if (flagged is null)
        {
            var job = await jobs.Documents.Find(OwnJob(jobId, userId)).FirstOrDefaultAsync(cancellationToken);
            return job is null ? new Cancellation(CancelOutcome.NotFound, null)
                : new Cancellation(job.Status is JobStatus.Canceled ? CancelOutcome.Canceled : CancelOutcome.AlreadyFinished, JobSnapshot.From(job));
        }

        if (flagged.Status is JobStatus.Pending)
        {
            var canceled = await jobs.Documents.FindOneAndUpdateAsync<JobDocument>(
                j => j.Id == jobId && j.Status == JobStatus.Pending,
                Builders<JobDocument>.Update
                    .Set(j => j.Status, JobStatus.Canceled)
                    .Set(j => j.NextAttemptAt, null)
                    .Set(j => j.CompletedAt, now)
                    .Set(j => j.UpdatedAt, now)
                    .Inc(j => j.Version, 1),
                new FindOneAndUpdateOptions<JobDocument> { ReturnDocument = ReturnDocument.After },
                cancellationToken);
            if (canceled is not null)
            {
                // Its stream entry or retry, if any, finds it final and is dropped.
                var snapshot = JobSnapshot.From(canceled);
                await TryPublishAsync(snapshot);
                metrics.Canceled.Add(1);
                return new Cancellation(CancelOutcome.Canceled, snapshot);
            }

            // A worker claimed it in between; it sees the flag it claimed with and stops.
        }

        return new Cancellation(CancelOutcome.Requested, await NotifyWorkerAsync(flagged));
    }

    /// <summary>Raises the flag a worker checks at every lease renewal, then tells it at once over pub/sub.</summary>
    private async Task<JobSnapshot> NotifyWorkerAsync(JobDocument flagged)
    {
        var snapshot = JobSnapshot.From(flagged) with { Status = JobStatus.Running };
        try
        {
            var database = redis.GetDatabase();
            // MongoDB only hears of progress at state changes; keep the live value rather than showing it drop.
            if (await statuses.ReadAsync(flagged.Id) is { } live && live.Version < snapshot.Version)
            {
                snapshot = snapshot with { Progress = Math.Max(snapshot.Progress, live.Progress) };
            }

            await database.StringSetAsync(JobKeys.CancelFlag(flagged.Id), "", JobKeys.StatusTimeToLive);
            await database.PublishAsync(JobKeys.CancelChannel, flagged.Id);
            await statuses.WriteAsync(snapshot, publish: true);
        }
        catch (Exception exception) when (exception is RedisException or RedisTimeoutException)
        {
            // The worker still sees the MongoDB flag when it settles the attempt or takes the job over.
            LogCancelNoticeFailed(logger, flagged.Id, exception);
        }

        return snapshot;
    }

    private async Task TryPublishAsync(JobSnapshot snapshot)
    {
        try
        {
            await statuses.WriteAsync(snapshot, publish: true);
        }
        catch (Exception exception) when (exception is RedisException or RedisTimeoutException)
        {
            LogStatusWriteFailed(logger, snapshot.Id, exception);
        }
    }

    private static FilterDefinition<JobDocument> OwnJob(string jobId, string userId) =>
        Builders<JobDocument>.Filter.Eq(job => job.Id, jobId) & Builders<JobDocument>.Filter.Eq(job => job.UserId, userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} is stored but Redis is unavailable; the worker's reconciler dispatches it.")]
    private static partial void LogDispatchDeferred(ILogger logger, string jobId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading job status for {Subject} from Redis failed; reading MongoDB instead.")]
    private static partial void LogStatusReadFailed(ILogger logger, string subject, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing job {JobId}'s status to Redis failed.")]
    private static partial void LogStatusWriteFailed(ILogger logger, string jobId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telling the worker that job {JobId} was canceled failed; it finds out from MongoDB.")]
    private static partial void LogCancelNoticeFailed(ILogger logger, string jobId, Exception exception);
}

/// <summary>The result of a submission: the job, or null when the Idempotency-Key belongs to a different request.</summary>
public sealed record Submission(JobSnapshot? Job, bool Replayed);

public sealed record Cancellation(CancelOutcome Outcome, JobSnapshot? Job);

public enum CancelOutcome
{
    NotFound,

    /// <summary>The job is canceled (now or before).</summary>
    Canceled,

    /// <summary>The job is running; its worker has been told to stop.</summary>
    Requested,

    /// <summary>The job completed or failed before the cancel came.</summary>
    AlreadyFinished,
}
