using System.Diagnostics;
using Harmonia.DataStores;
using Harmonia.Jobs;
using Microsoft.Extensions.Options;

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
    JobCancellations cancellations,
    JobMetrics metrics,
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

        if (!await jobs.TryInsertAsync(job, cancellationToken))
        {
            var earlier = await jobs.FindByIdempotencyKeyAsync(userId, idempotencyKey!, cancellationToken);
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
        catch (Exception exception) when (exception.IsRedisFailure())
        {
            LogDispatchDeferred(logger, job.Id, exception);
        }

        return new Submission(snapshot, Replayed: false);
    }

    /// <summary>The caller's job: from Redis when it has it, else from MongoDB (and Redis is refilled). Null when not theirs.</summary>
    public async Task<JobSnapshot?> GetAsync(string userId, string jobId, CancellationToken cancellationToken)
    {
        if (await statuses.TryReadAsync(jobId) is { } cached)
        {
            return cached.UserId == userId ? cached : null;
        }

        if (await jobs.FindOwnedAsync(jobId, userId, cancellationToken) is not { } job)
        {
            return null;
        }

        var snapshot = JobSnapshot.From(job);
        await statuses.TryWriteAsync(snapshot, publish: false);
        return snapshot;
    }

    /// <summary>One page of the caller's jobs, newest first; unfinished ones show their live progress from Redis.</summary>
    public async Task<(IReadOnlyList<JobSnapshot> Jobs, bool HasMore)> ListAsync(string userId, int page, int pageSize, CancellationToken cancellationToken)
    {
        var (documents, hasMore) = await jobs.ListAsync(userId, page, pageSize, cancellationToken);
        var snapshots = documents.Select(JobSnapshot.From).ToList();
        var unfinished = snapshots.Where(snapshot => !snapshot.IsFinal).Select(snapshot => snapshot.Id).ToList();
        if (unfinished.Count > 0)
        {
            var live = await statuses.TryReadManyAsync(unfinished);
            snapshots = [.. snapshots.Select(snapshot => live.TryGetValue(snapshot.Id, out var newer) && newer.IsNewerThan(snapshot) ? newer : snapshot)];
        }

        return (snapshots, hasMore);
    }

    /// <summary>
    /// Cancels the caller's job. A pending job is canceled at once; a running one is flagged in MongoDB (so a
    /// worker that takes it over later sees it too) and its worker is told through Redis.
    /// </summary>
    public async Task<Cancellation> CancelAsync(string userId, string jobId, CancellationToken cancellationToken)
    {
        var flagged = await jobs.RequestCancelAsync(jobId, userId, cancellationToken);
        if (flagged is null)
        {
            var job = await jobs.FindOwnedAsync(jobId, userId, cancellationToken);
            return job is null ? new Cancellation(CancelOutcome.NotFound, null)
                : new Cancellation(job.Status is JobStatus.Canceled ? CancelOutcome.Canceled : CancelOutcome.AlreadyFinished, JobSnapshot.From(job));
        }

        if (flagged.Status is JobStatus.Pending && await jobs.CancelPendingAsync(jobId, cancellationToken) is { } canceled)
        {
            // Its stream entry or retry, if any, finds it final and is dropped.
            var snapshot = JobSnapshot.From(canceled);
            await statuses.TryWriteAsync(snapshot, publish: true);
            metrics.Canceled.Add(1);
            return new Cancellation(CancelOutcome.Canceled, snapshot);
        }

        // Running, or a worker claimed it in between (it sees the flag it claimed with and stops).
        return new Cancellation(CancelOutcome.Requested, await NotifyWorkerAsync(flagged));
    }

    /// <summary>Tells the job's worker to stop, and shows the job as running with the request noted.</summary>
    private async Task<JobSnapshot> NotifyWorkerAsync(JobDocument flagged)
    {
        var snapshot = JobSnapshot.From(flagged) with { Status = JobStatus.Running };
        // MongoDB only hears of progress at state changes; keep the live value rather than showing it drop.
        if (await statuses.TryReadAsync(flagged.Id) is { } live && live.Version < snapshot.Version)
        {
            snapshot = snapshot with { Progress = Math.Max(snapshot.Progress, live.Progress) };
        }

        try
        {
            await cancellations.RequestAsync(flagged.Id);
        }
        catch (Exception exception) when (exception.IsRedisFailure())
        {
            // The worker still sees the MongoDB flag when it settles the attempt or takes the job over.
            LogCancelNoticeFailed(logger, flagged.Id, exception);
        }

        await statuses.TryWriteAsync(snapshot, publish: true);
        return snapshot;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} is stored but Redis is unavailable; the worker's reconciler dispatches it.")]
    private static partial void LogDispatchDeferred(ILogger logger, string jobId, Exception exception);

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
