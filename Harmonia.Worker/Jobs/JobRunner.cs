using System.Diagnostics;
using Harmonia.Contracts.Jobs;
using Harmonia.Worker.Jobs.Generation;
using Microsoft.Extensions.Options;
using MongoDB.Driver;
using StackExchange.Redis;

namespace Harmonia.Worker.Jobs;

/// <summary>
/// Runs one dispatched job from claim to settlement. Processing is at least once (a job can be started
/// again after a crash); the outcome is exactly once, because every change is conditional on the lease
/// token in MongoDB and the stored song and library item are unique per job.
/// </summary>
public sealed partial class JobRunner(
    JobStore jobs,
    JobStatusStore statuses,
    JobDispatcher dispatcher,
    JobStreamConsumer stream,
    JobCancellations cancellations,
    ISongGenerator generator,
    SongLibraryWriter library,
    JobMetrics metrics,
    IConnectionMultiplexer redis,
    IOptionsMonitor<JobWorkerOptions> options,
    TimeProvider timeProvider,
    ILogger<JobRunner> logger)
{
    private const int MaximumErrorLength = 500;

    /// <param name="reclaimed">Whether the entry was taken over from a worker whose lease ran out.</param>
    /// <param name="stopping">Fires when the worker shuts down; the job is then handed back to the queue.</param>
    public async Task RunAsync(DispatchedJob dispatched, bool reclaimed, CancellationToken stopping)
    {
        using var activity = JobTelemetry.ActivitySource.StartActivity("process job", ActivityKind.Consumer, dispatched.TraceContext);
        activity?.SetTag("harmonia.job.id", dispatched.JobId);
        activity?.SetTag("messaging.system", "redis");
        activity?.SetTag("messaging.operation.type", "process");
        if (reclaimed)
        {
            LogReclaimed(logger, dispatched.JobId);
        }
        else if (dispatched.EnqueuedAt != DateTimeOffset.MinValue)
        {
            metrics.PickupLatency.Record((timeProvider.GetUtcNow() - dispatched.EnqueuedAt).TotalSeconds);
        }

        var settings = options.CurrentValue;
        await using var lease = await JobLease.TryAcquireAsync(redis.GetDatabase(), dispatched.JobId, settings.LeaseDuration, logger);
        if (lease is null)
        {
            // A live worker runs this job under its own entry; this one is a duplicate.
            await stream.AcknowledgeAsync(dispatched.EntryId);
            return;
        }

        // Claimed straight away, without reading the job first: the claim's filter admits only a job that may start
        // now, so the common case costs one MongoDB round trip, and the rare notice that cannot start reads it after.
        var claimed = await ClaimAsync(dispatched.JobId, lease.Token);
        if (claimed is null)
        {
            await lease.ReleaseAsync();
            await PassOverAsync(dispatched);
            return;
        }

        activity?.SetTag("harmonia.job.attempt", claimed.Attempts);
        var attempt = new Attempt(claimed, lease, dispatched.EntryId, activity);
        if (claimed.CancelRequested)
        {
            await CancelAsync(attempt, progress: 0);
            return;
        }

        if (claimed.Attempts > settings.MaxAttempts)
        {
            // Only crashes get a job here (failures stop at the limit): a job that kills its worker every time.
            await FailAsync(attempt, $"Gave up after {settings.MaxAttempts} attempts; the last ones were interrupted.", progress: 0);
            return;
        }

        await PublishAsync(claimed);
        metrics.Started.Add(1);
        using var tracking = cancellations.Track(claimed.Id, lease);
        lease.StartRenewing(stream, dispatched.EntryId, settings.LeaseRenewalInterval, timeProvider);
        var progress = new ProgressReporter(statuses, claimed, lease, logger);
        var startedAt = timeProvider.GetTimestamp();
        var outcome = "completed";
        try
        {
            using var running = CancellationTokenSource.CreateLinkedTokenSource(stopping, lease.Canceled, lease.Lost);
            byte[] audio;
            try
            {
                audio = await generator.GenerateAsync(new SongRequest(claimed.Prompt, claimed.DurationSeconds), progress, running.Token);
            }
            catch (OperationCanceledException) when (lease.Lost.IsCancellationRequested)
            {
                outcome = "lost";
                return;
            }
            catch (OperationCanceledException) when (lease.Canceled.IsCancellationRequested)
            {
                outcome = "canceled";
                await CancelAsync(attempt, progress.Percent);
                return;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                outcome = "released";
                await ReleaseAsync(attempt);
                return;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                outcome = "failed";
                await RetryOrFailAsync(attempt, exception, progress.Percent, settings);
                return;
            }

            if (lease.Lost.IsCancellationRequested)
            {
                outcome = "lost";
                return;
            }

            await CompleteAsync(attempt, audio);
        }
        finally
        {
            metrics.RunDuration.Record(timeProvider.GetElapsedTime(startedAt).TotalSeconds, new TagList { { "outcome", outcome } });
        }
    }

    /// <summary>
    /// Makes this lease the job's owner and starts an attempt, unless the job is settled or waits out a retry
    /// backoff. A running job is taken over too: holding the Redis lease proves the previous owner's expired.
    /// </summary>
    private async Task<JobDocument?> ClaimAsync(string jobId, string leaseToken)
    {
        var now = timeProvider.GetUtcNow().UtcDateTime;
        var filter = Builders<JobDocument>.Filter;
        return await jobs.Documents.FindOneAndUpdateAsync<JobDocument>(
            filter.Eq(j => j.Id, jobId)
                & filter.In(j => j.Status, [JobStatus.Pending, JobStatus.Running])
                & (filter.Eq(j => j.NextAttemptAt, null) | filter.Lte(j => j.NextAttemptAt, now)),
            Builders<JobDocument>.Update
                .Set(j => j.Status, JobStatus.Running)
                .Set(j => j.LeaseOwner, leaseToken)
                .Set(j => j.Progress, 0)
                .Set(j => j.StartedAt, now)
                .Set(j => j.UpdatedAt, now)
                .Set(j => j.NextAttemptAt, null)
                .Inc(j => j.Attempts, 1)
                .Inc(j => j.Version, 1),
            new FindOneAndUpdateOptions<JobDocument> { ReturnDocument = ReturnDocument.After });
    }

    /// <summary>
    /// Settles a notice for a job that cannot start: one settled already (a duplicate notice, a retry racing a
    /// cancel) is dropped, and one waiting out a retry backoff (a recovery dispatch came early) goes back on the schedule.
    /// </summary>
    private async Task PassOverAsync(DispatchedJob dispatched)
    {
        var job = await jobs.Documents.Find(Builders<JobDocument>.Filter.Eq(j => j.Id, dispatched.JobId)).FirstOrDefaultAsync(CancellationToken.None);
        if (job is { Status: JobStatus.Pending, NextAttemptAt: { } due })
        {
            await dispatcher.ScheduleAsync(job.Id, job.TraceParent, new DateTimeOffset(due, TimeSpan.Zero));
        }

        await stream.AcknowledgeAsync(dispatched.EntryId);
    }

    private async Task CompleteAsync(Attempt attempt, byte[] audio)
    {
        var songId = await library.StoreAsync(attempt.Job, audio);
        var now = timeProvider.GetUtcNow().UtcDateTime;
        var completed = await SettleAsync(attempt, Builders<JobDocument>.Update
            .Set(j => j.Status, JobStatus.Completed)
            .Set(j => j.Progress, 100)
            .Set(j => j.SongId, songId)
            .Set(j => j.Error, null)
            .Set(j => j.CompletedAt, now));
        if (completed is null)
        {
            return;
        }

        await PublishAsync(completed);
        await FinishAsync(attempt);
        metrics.Completed.Add(1);
        LogCompleted(logger, completed.Id, songId, completed.Attempts);
    }

    private async Task CancelAsync(Attempt attempt, int progress)
    {
        var canceled = await SettleAsync(attempt, Builders<JobDocument>.Update
            .Set(j => j.Status, JobStatus.Canceled)
            .Set(j => j.Progress, progress)
            .Set(j => j.CompletedAt, timeProvider.GetUtcNow().UtcDateTime));
        if (canceled is null)
        {
            return;
        }

        await PublishAsync(canceled);
        await FinishAsync(attempt);
        metrics.Canceled.Add(1);
        LogCanceled(logger, canceled.Id);
    }

    private async Task RetryOrFailAsync(Attempt attempt, Exception exception, int progress, JobWorkerOptions settings)
    {
        var error = exception.Message.Length > MaximumErrorLength ? exception.Message[..MaximumErrorLength] : exception.Message;
        attempt.Activity?.AddException(exception);
        if (attempt.Job.Attempts >= settings.MaxAttempts)
        {
            await FailAsync(attempt, error, progress);
            return;
        }

        var delay = RetryBackoff.Delay(attempt.Job.Attempts, settings.RetryBaseDelay, settings.RetryMaxDelay, Random.Shared.NextDouble());
        var due = timeProvider.GetUtcNow() + delay;
        var waiting = await SettleAsync(attempt, Builders<JobDocument>.Update
            .Set(j => j.Status, JobStatus.Pending)
            .Set(j => j.Progress, 0)
            .Set(j => j.Error, error)
            .Set(j => j.NextAttemptAt, due.UtcDateTime));
        if (waiting is null)
        {
            return;
        }

        await PublishAsync(waiting);
        await attempt.Lease.ReleaseAsync();
        // Scheduled after MongoDB records the wait: if this worker dies in between, the reconciler dispatches it.
        await dispatcher.ScheduleAsync(waiting.Id, waiting.TraceParent, due);
        await stream.AcknowledgeAsync(attempt.EntryId);
        metrics.Retried.Add(1);
        LogRetrying(logger, waiting.Id, waiting.Attempts, delay, exception);
    }

    private async Task FailAsync(Attempt attempt, string error, int progress)
    {
        attempt.Activity?.SetStatus(ActivityStatusCode.Error, error);
        var failed = await SettleAsync(attempt, Builders<JobDocument>.Update
            .Set(j => j.Status, JobStatus.Failed)
            .Set(j => j.Progress, progress)
            .Set(j => j.Error, error)
            .Set(j => j.CompletedAt, timeProvider.GetUtcNow().UtcDateTime));
        if (failed is null)
        {
            return;
        }

        await PublishAsync(failed);
        await FinishAsync(attempt);
        metrics.Failed.Add(1);
        LogFailed(logger, failed.Id, failed.Attempts, error);
    }

    /// <summary>On shutdown: the attempt did not fail, so it is not counted, and the job goes straight back on the stream.</summary>
    private async Task ReleaseAsync(Attempt attempt)
    {
        var released = await SettleAsync(attempt, Builders<JobDocument>.Update
            .Set(j => j.Status, JobStatus.Pending)
            .Set(j => j.Progress, 0)
            .Inc(j => j.Attempts, -1));
        if (released is null)
        {
            return;
        }

        await PublishAsync(released);
        await attempt.Lease.ReleaseAsync();
        await dispatcher.DispatchAsync(released.Id, released.TraceParent, DispatchReason.Recovered);
        await stream.AcknowledgeAsync(attempt.EntryId);
        LogReleased(logger, released.Id);
    }

    /// <summary>
    /// Ends the attempt, only if this lease still owns it; null means a newer owner has the job, and this
    /// worker must leave everything (its entry included, which may belong to the new owner now) alone.
    /// </summary>
    private async Task<JobDocument?> SettleAsync(Attempt attempt, UpdateDefinition<JobDocument> update)
    {
        var settled = await jobs.Documents.FindOneAndUpdateAsync<JobDocument>(
            Builders<JobDocument>.Filter.Eq(j => j.Id, attempt.Job.Id)
                & Builders<JobDocument>.Filter.Eq(j => j.LeaseOwner, attempt.Lease.Token)
                & Builders<JobDocument>.Filter.Eq(j => j.Status, JobStatus.Running),
            update
                .Set(j => j.LeaseOwner, null)
                .Set(j => j.UpdatedAt, timeProvider.GetUtcNow().UtcDateTime)
                .Inc(j => j.Version, 1),
            new FindOneAndUpdateOptions<JobDocument> { ReturnDocument = ReturnDocument.After });
        if (settled is null)
        {
            LogSupersededByNewerOwner(logger, attempt.Job.Id);
        }

        return settled;
    }

    private async Task PublishAsync(JobDocument job)
    {
        try
        {
            await statuses.WriteAsync(JobSnapshot.From(job), publish: true);
        }
        catch (Exception exception) when (exception is RedisException or RedisTimeoutException)
        {
            // MongoDB has the state; readers fall back to it and watchers re-read it.
            LogStatusWriteFailed(logger, job.Id, exception);
        }
    }

    /// <summary>Settles a final job's stream entry and clears its cancel flag.</summary>
    private Task FinishAsync(Attempt attempt) =>
        Task.WhenAll(
            stream.AcknowledgeAsync(attempt.EntryId),
            redis.GetDatabase().KeyDeleteAsync(JobKeys.CancelFlag(attempt.Job.Id)));

    private sealed record Attempt(JobDocument Job, JobLease Lease, RedisValue EntryId, Activity? Activity);

    /// <summary>
    /// Writes each step's progress to Redis (only while this worker holds the lease, and never backwards) and
    /// publishes it; MongoDB hears of progress only at state changes. 100 is reported only once the song is stored.
    /// </summary>
    private sealed class ProgressReporter(JobStatusStore statuses, JobDocument job, JobLease lease, ILogger logger) : IGenerationProgress
    {
        private readonly JobSnapshot _snapshot = JobSnapshot.From(job);

        public int Percent { get; private set; }

        public async ValueTask ReportAsync(int percent, CancellationToken cancellationToken)
        {
            percent = Math.Clamp(percent, 0, 99);
            if (percent <= Percent)
            {
                return;
            }

            Percent = percent;
            try
            {
                if (await statuses.WriteAsync(_snapshot with { Progress = percent }, publish: true, lease.Token) is StatusWrite.LeaseLost)
                {
                    lease.MarkLost();
                }
            }
            catch (Exception exception) when (exception is RedisException or RedisTimeoutException)
            {
                LogStatusWriteFailed(logger, job.Id, exception);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: taking over from a worker whose lease ran out.")]
    private static partial void LogReclaimed(ILogger logger, string jobId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} completed with song {SongId} after {Attempts} attempt(s).")]
    private static partial void LogCompleted(ILogger logger, string jobId, string songId, int attempts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} canceled by its owner.")]
    private static partial void LogCanceled(ILogger logger, string jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: attempt {Attempt} failed; retrying in {Delay}.")]
    private static partial void LogRetrying(ILogger logger, string jobId, int attempt, TimeSpan delay, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId} failed after {Attempts} attempt(s): {Error}")]
    private static partial void LogFailed(ILogger logger, string jobId, int attempts, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} handed back to the queue on shutdown.")]
    private static partial void LogReleased(ILogger logger, string jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: a newer owner has it; this attempt's result is dropped.")]
    private static partial void LogSupersededByNewerOwner(ILogger logger, string jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: writing its status to Redis failed.")]
    private static partial void LogStatusWriteFailed(ILogger logger, string jobId, Exception exception);
}
