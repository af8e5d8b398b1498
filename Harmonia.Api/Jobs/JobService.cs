using System.Diagnostics;
using Harmonia.DataStores;
using Harmonia.Jobs;
using Microsoft.Extensions.Options;
using MongoDB.Driver;

namespace Harmonia.Api.Jobs;

/// <summary>
/// Accepts, reads and cancels jobs. MongoDB is written first and decides every outcome; Redis is then told
/// (dispatch, status, cancel notice) on a best-effort basis, because the worker's reconciler repairs
/// anything Redis missed. Submitting and cancelling take no <see cref="CancellationToken"/>: once one starts writing
/// it runs to its end whether or not the caller is still there (docs/resilience.md); a submission the caller left
/// after its insert would otherwise skip the waiting cap's count and withdrawal.
/// </summary>
public sealed partial class JobService(
    JobStore jobs,
    JobStatusStore statuses,
    JobDispatcher dispatcher,
    JobCancellations cancellations,
    JobQueuePlaces places,
    JobMetrics metrics,
    IOptions<JobQueueOptions> queue,
    TimeProvider timeProvider,
    ILogger<JobService> logger)
{
    /// <summary>How long a refused submission is told to wait before any run time has been measured.</summary>
    private static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(30);

    /// <summary>The rolling window <see cref="JobQueueOptions.MaxCreatedPerUserPerDay"/> counts jobs over.</summary>
    private static readonly TimeSpan DailyWindow = TimeSpan.FromDays(1);

    /// <summary>The shortest Retry-After a daily refusal gives: the header counts whole seconds, and zero would invite a retry storm.</summary>
    private static readonly TimeSpan MinimumRetryAfter = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Creates the job and dispatches it; with an Idempotency-Key, a repeat of an earlier request returns that
    /// request's job instead (the unique index decides, so concurrent repeats agree), once the waiting cap has admitted
    /// it. A job that would take the user over <see cref="JobQueueOptions.MaxCreatedPerUserPerDay"/> or
    /// <see cref="JobQueueOptions.MaxWaitingPerUser"/> is refused.
    /// </summary>
    public Task<Submission> SubmitAsync(string userId, CreateJobRequest request, string? idempotencyKey) =>
        SubmitAsync(userId, request, idempotencyKey, mayResubmit: true);

    /// <param name="mayResubmit">
    /// Whether a repeat whose earlier job vanished under it is submitted anew; once per request, so two such races in a row
    /// end in a refusal rather than a loop.
    /// </param>
    private async Task<Submission> SubmitAsync(string userId, CreateJobRequest request, string? idempotencyKey, bool mayResubmit)
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
            AwaitingAdmission = true,
            Status = JobStatus.Pending,
            Version = 1,
            TraceParent = (activity ?? Activity.Current)?.Id,
            CreatedAt = now,
            UpdatedAt = now,
        };
        activity?.SetTag("harmonia.job.id", job.Id);

        if (!await jobs.TryInsertAsync(job, CancellationToken.None))
        {
            return await RepeatAsync(userId, request, idempotencyKey!, mayResubmit);
        }

        try
        {
            if ((await OverDailyCapAsync(job) ?? await OverWaitingCapAsync(job)) is { } refusal)
            {
                return new Submission(null, Replayed: false, refusal);
            }

            // Before anyone is told of the job: from here on it may run, and a repeat of this request answers with it.
            // Null when the reconciler withdrew it as overdue (a verdict later than any bound): it must not run.
            _ = await jobs.AdmitAsync(job.Id, CancellationToken.None)
                ?? throw new TimeoutException($"Job {job.Id} was admitted later than {JobDocument.AdmissionBound} after its insert and was withdrawn.");
        }
        catch
        {
            // The caller is told to try again (503), so the job must never run: it is taken back now, or, while it still
            // has its mark, which keeps it from every worker, by the reconciler once the admission bound has passed.
            await TryWithdrawFailedAsync(job);
            throw;
        }

        var snapshot = JobSnapshot.From(job);
        try
        {
            await Task.WhenAll(
                statuses.WriteAsync(snapshot, publish: true),
                dispatcher.DispatchAsync(job, DispatchReason.Submitted));
        }
        catch (Exception exception) when (exception.IsRedisFailure())
        {
            LogDispatchDeferred(logger, job.Id, exception);
        }

        return new Submission(snapshot, Replayed: false);
    }

    /// <summary>
    /// A repeat of an earlier request with the key (its insert collided with the earlier job): answered with that job
    /// once the waiting cap admitted it, never before, since the earlier request may still withdraw it. While the earlier
    /// request awaits its verdict the repeat is told to come back (409, as the IETF Idempotency-Key draft has it for a
    /// request still being processed).
    /// </summary>
    private async Task<Submission> RepeatAsync(string userId, CreateJobRequest request, string idempotencyKey, bool mayResubmit)
    {
        var earlier = await jobs.FindByIdempotencyKeyAsync(userId, idempotencyKey, CancellationToken.None);
        if (earlier is not null && !request.Matches(earlier))
        {
            return new Submission(null, Replayed: false);
        }

        if (earlier is { AwaitingAdmission: true } && timeProvider.GetUtcNow().UtcDateTime - earlier.CreatedAt > JobDocument.AdmissionBound)
        {
            // Its verdict will not come, and the reconciler would withdraw the job: the repeat admits it instead (whichever
            // lands first decides; a job withdrawn first makes this a new submission on the client's next try). Should the
            // verdict come after all, its withdrawal spares an admitted job, so the two cannot disagree.
            earlier = await jobs.AdmitAsync(earlier.Id, CancellationToken.None);
        }

        return earlier switch
        {
            // The earlier job was withdrawn since this request's insert collided with it (refused at a cap, or its
            // submission failed): the key names no job now, so this is a new submission with its own verdict.
            null when mayResubmit => await SubmitAsync(userId, request, idempotencyKey, mayResubmit: false),
            // Withdrawn under a resubmission too: refused, naming the daily cap while it is full.
            null => new Submission(null, Replayed: false, await DailyCapFullAsync(userId)
                ? await DailyRefusalAsync(userId)
                : new CapRefusal("waiting", queue.Value.MaxWaitingPerUser, DefaultRetryAfter)),
            { AwaitingAdmission: true } => new Submission(null, Replayed: false, EarlierInProgress: true),
            _ => new Submission(await GetAsync(userId, earlier.Id, CancellationToken.None) ?? JobSnapshot.From(earlier), Replayed: true),
        };
    }

    /// <summary>
    /// Counted after the insert, as the waiting cap is (<see cref="OverWaitingCapAsync"/>): every job the user created in
    /// the last day counts, whatever became of it, since each one was generated or held a place. Only a withdrawn
    /// (refused) job is gone and counts no more.
    /// </summary>
    private async Task<CapRefusal?> OverDailyCapAsync(JobDocument job)
    {
        var since = timeProvider.GetUtcNow().UtcDateTime - DailyWindow;
        if (await jobs.CountCreatedSinceAsync(job.UserId, since, CancellationToken.None) <= queue.Value.MaxCreatedPerUserPerDay)
        {
            return null;
        }

        if (!await jobs.WithdrawAsync(job, CancellationToken.None))
        {
            // A repeat admitted it while this verdict was overdue (or it was canceled or taken meanwhile): it stands.
            return null;
        }

        return await DailyRefusalAsync(job.UserId);
    }

    private async Task<bool> DailyCapFullAsync(string userId) =>
        await jobs.CountCreatedSinceAsync(userId, timeProvider.GetUtcNow().UtcDateTime - DailyWindow, CancellationToken.None)
            >= queue.Value.MaxCreatedPerUserPerDay;

    /// <summary>The daily cap's refusal: room comes back when the oldest job counted leaves the window.</summary>
    private async Task<CapRefusal> DailyRefusalAsync(string userId)
    {
        var now = timeProvider.GetUtcNow().UtcDateTime;
        var oldest = await jobs.FindFirstCreatedSinceAsync(userId, now - DailyWindow, CancellationToken.None);
        var retryAfter = oldest is { } createdAt ? createdAt + DailyWindow - now : TimeSpan.Zero;
        return new CapRefusal("daily", queue.Value.MaxCreatedPerUserPerDay, retryAfter > MinimumRetryAfter ? retryAfter : MinimumRetryAfter);
    }

    /// <summary>
    /// Counted after the insert, so of concurrent submissions at the cap none gets past it: each count sees its own job
    /// and every one inserted before it. A refused job is deleted before anything was told of it.
    /// </summary>
    private async Task<CapRefusal?> OverWaitingCapAsync(JobDocument job)
    {
        var cap = queue.Value.MaxWaitingPerUser;
        if (await jobs.CountWaitingAsync(job.UserId, job.Queue, CancellationToken.None) <= cap)
        {
            return null;
        }

        if (!await jobs.WithdrawAsync(job, CancellationToken.None))
        {
            // A repeat admitted it while this verdict was overdue (or it was canceled or taken meanwhile): it stands.
            return null;
        }

        TimeSpan? meanRunTime = null;
        try
        {
            meanRunTime = await places.MeanRunTimeAsync();
        }
        catch (Exception exception) when (exception.IsRedisFailure())
        {
            LogEstimateUnavailable(logger, exception);
        }

        // One of the user's waiting jobs starts when one of their running jobs ends: within a run time.
        return new CapRefusal("waiting", cap, meanRunTime ?? DefaultRetryAfter);
    }

    /// <summary>
    /// A job without a key goes even if its admission landed unanswered (which only this submission could have done);
    /// a keyed one only while unadmitted, since a repeat of the request may have admitted it and answers with it.
    /// </summary>
    private async Task TryWithdrawFailedAsync(JobDocument job)
    {
        try
        {
            _ = job.IdempotencyKey is null
                ? await jobs.WithdrawUnannouncedAsync(job.Id, CancellationToken.None)
                : await jobs.WithdrawAsync(job, CancellationToken.None);
        }
        catch (Exception exception) when (exception is MongoException or TimeoutException)
        {
            LogWithdrawalDeferred(logger, job.Id, exception);
        }
    }

    /// <summary>Where the job stands in its queue while it waits; null once it runs, or when Redis cannot say.</summary>
    public async Task<QueuePlace?> FindPlaceAsync(JobSnapshot job)
    {
        if (job.Status is not JobStatus.Pending)
        {
            return null;
        }

        try
        {
            return await places.FindAsync(job.Id, job.UserId);
        }
        catch (Exception exception) when (exception.IsRedisFailure())
        {
            LogEstimateUnavailable(logger, exception);
            return null;
        }
    }

    /// <summary>
    /// The caller's job: from Redis when it has it, else from MongoDB (and Redis is refilled). Null when not theirs. A
    /// final state Redis should still hold but lacks is announced by the refill (its channel, the owner's notifications),
    /// since the write that lost it lost its announcement too; the refill only lands where Redis holds nothing newer, so
    /// concurrent readers announce it once.
    /// </summary>
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
        await statuses.TryWriteAsync(snapshot, publish: FinishedWithinItsStatusLifetime(snapshot));
        return snapshot;
    }

    /// <summary>
    /// Whether Redis would still hold this final snapshot had its write landed. An older one lapsed as it should, and
    /// its news is long gone from the owner's notifications (kept an hour): announcing it again would only be noise.
    /// </summary>
    private bool FinishedWithinItsStatusLifetime(JobSnapshot snapshot) =>
        snapshot is { IsFinal: true, CompletedAt: { } completedAt } && timeProvider.GetUtcNow() - completedAt < JobKeys.StatusTimeToLive;

    /// <summary>
    /// The caller's job as MongoDB has it, written to Redis if newer than what Redis holds: a snapshot Redis kept while
    /// the write that superseded it was lost is replaced, and a final state is announced (its channel, the owner's
    /// notifications), since that announcement is what was lost. Null when not theirs. With MongoDB unreachable, what
    /// Redis holds.
    /// </summary>
    public async Task<JobSnapshot?> RefreshAsync(string userId, string jobId, CancellationToken cancellationToken)
    {
        JobDocument? job;
        try
        {
            job = await jobs.FindOwnedAsync(jobId, userId, cancellationToken);
        }
        catch (Exception exception) when (exception.IsLostAnswer())
        {
            LogRefreshFailed(logger, jobId, exception);
            return await statuses.TryReadAsync(jobId) is { } cached && cached.UserId == userId ? cached : null;
        }

        if (job is null)
        {
            return null;
        }

        var snapshot = JobSnapshot.From(job);
        await statuses.TryWriteAsync(snapshot, publish: snapshot.IsFinal);
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
    public async Task<Cancellation> CancelAsync(string userId, string jobId)
    {
        var flagged = await jobs.RequestCancelAsync(jobId, userId, CancellationToken.None);
        if (flagged is null)
        {
            var job = await jobs.FindOwnedAsync(jobId, userId, CancellationToken.None);
            return job is null ? new Cancellation(CancelOutcome.NotFound, null)
                : new Cancellation(job.Status is JobStatus.Canceled ? CancelOutcome.Canceled : CancelOutcome.AlreadyFinished, JobSnapshot.From(job));
        }

        if (flagged.Status is JobStatus.Pending && await jobs.CancelPendingAsync(jobId, CancellationToken.None) is { } canceled)
        {
            // It leaves the waiting room so it holds no place; a stream entry or retry, if any, finds it final and is dropped.
            await TryWithdrawAsync(canceled);
            var snapshot = JobSnapshot.From(canceled);
            await statuses.TryWriteAsync(snapshot, publish: true);
            metrics.Canceled.Add(1);
            return new Cancellation(CancelOutcome.Canceled, snapshot);
        }

        // Running, or a worker claimed it in between (it sees the flag it claimed with and stops).
        return new Cancellation(CancelOutcome.Requested, await NotifyWorkerAsync(flagged));
    }

    private async Task TryWithdrawAsync(JobDocument canceled)
    {
        try
        {
            await dispatcher.WithdrawAsync(canceled);
        }
        catch (Exception exception) when (exception.IsRedisFailure())
        {
            LogCancelNoticeFailed(logger, canceled.Id, exception);
        }
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
            // The flag in MongoDB, set above, still decides: the worker reads it before storing a song, and a worker
            // taking the job over sees it at its claim. Without the notice the job only runs to its end before it stops.
            LogCancelNoticeFailed(logger, flagged.Id, exception);
        }

        await statuses.TryWriteAsync(snapshot, publish: true);
        return snapshot;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} is stored but Redis is unavailable; the worker's reconciler dispatches it.")]
    private static partial void LogDispatchDeferred(ILogger logger, string jobId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} is stored but its submission failed, and so did its withdrawal; unless its admission landed unanswered, no worker runs it and the reconciler withdraws it.")]
    private static partial void LogWithdrawalDeferred(ILogger logger, string jobId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Re-reading job {JobId} from MongoDB failed; its event stream goes on with what Redis holds.")]
    private static partial void LogRefreshFailed(ILogger logger, string jobId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Estimating a queue place or a run time failed; the answer goes without it.")]
    private static partial void LogEstimateUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telling the worker that job {JobId} was canceled failed; it finds out from MongoDB.")]
    private static partial void LogCancelNoticeFailed(ILogger logger, string jobId, Exception exception);
}

/// <summary>
/// The result of a submission: the job; or null, refused by a cap (<paramref name="Refusal"/>), because the earlier
/// request with its Idempotency-Key has not reached its verdict yet (<paramref name="EarlierInProgress"/>), or because
/// the key belongs to a different request.
/// </summary>
public sealed record Submission(JobSnapshot? Job, bool Replayed, CapRefusal? Refusal = null, bool EarlierInProgress = false);

/// <summary>A submission refused by a per-user cap: which cap, its limit, and when trying again should succeed.</summary>
public sealed record CapRefusal(string Cap, int Limit, TimeSpan RetryAfter);

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
