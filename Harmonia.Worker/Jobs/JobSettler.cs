using System.Diagnostics;
using Harmonia.Jobs;
using Microsoft.Extensions.Options;

namespace Harmonia.Worker.Jobs;

/// <summary>
/// Ends attempts. Each ending is a conditional transition in MongoDB first (<see cref="JobStore"/>); only the
/// owner of the attempt wins it, and only then is the new state published, the stream entry settled and the
/// outcome counted. A superseded attempt leaves everything to the job's newer owner.
/// </summary>
public sealed partial class JobSettler(
    JobStore jobs,
    JobStatusStore statuses,
    JobDispatcher dispatcher,
    JobStreamConsumer stream,
    JobCancellations cancellations,
    JobMetrics metrics,
    IOptionsMonitor<JobWorkerOptions> options,
    TimeProvider timeProvider,
    ILogger<JobSettler> logger)
{
    public async Task CompleteAsync(JobAttempt attempt, string songId) =>
        await CompletedAsync(attempt, await jobs.CompleteAsync(attempt.Job.Id, attempt.Lease.Token, songId));

    /// <summary>Ends an attempt whose completion is already written (in one transaction with its song); null if it lost the job.</summary>
    public async Task CompletedAsync(JobAttempt attempt, JobDocument? transition)
    {
        if (await Settled(attempt, transition) is { } completed)
        {
            await FinishAsync(attempt);
            metrics.Completed.Add(1);
            LogCompleted(logger, completed.Id, completed.SongId, completed.Attempts);
        }
    }

    /// <summary>Ends the job canceled; false when a newer owner has it.</summary>
    public async Task<bool> CancelAsync(JobAttempt attempt, int progress)
    {
        if (await Settled(attempt, await jobs.CancelAsync(attempt.Job.Id, attempt.Lease.Token, progress)) is not { } canceled)
        {
            return false;
        }

        await FinishAsync(attempt);
        metrics.Canceled.Add(1);
        LogCanceled(logger, canceled.Id);
        return true;
    }

    /// <summary>
    /// Fails the job for good, unless its owner asked to cancel it: then it ends canceled, as they asked. Returns how the
    /// attempt ended: failed, canceled, or lost to a newer owner.
    /// </summary>
    /// <param name="error">What the job's owner sees: a sentence that gives nothing of the server away.</param>
    /// <param name="exception">What went wrong, for the logs and the trace only.</param>
    public async Task<AttemptOutcome> FailAsync(JobAttempt attempt, string error, int progress, Exception? exception = null)
    {
        if (await jobs.FailAsync(attempt.Job.Id, attempt.Lease.Token, error, progress) is not { } failed)
        {
            // MongoDB's cancelRequested kept the job from failing (Redis's notice may never have reached this worker; the
            // flag decides), or a newer owner has the job, and then the cancel changes nothing either.
            return await CancelInsteadAsync(attempt, progress, exception);
        }

        attempt.Activity?.SetStatus(ActivityStatusCode.Error, error);
        await PublishAsync(failed);
        await FinishAsync(attempt);
        metrics.Failed.Add(1);
        LogFailed(logger, failed.Id, failed.Attempts, error, exception);
        return AttemptOutcome.Failed;
    }

    /// <summary>
    /// Retries after a capped, jittered backoff while attempts remain; fails the job for good after the last. A job its
    /// owner asked to cancel is neither retried nor failed: it ends canceled now. Returns how the attempt ended.
    /// </summary>
    public async Task<AttemptOutcome> RetryOrFailAsync(JobAttempt attempt, Exception exception, int progress)
    {
        var settings = options.CurrentValue;
        var error = GenerationFailed(attempt);
        attempt.Activity?.AddException(exception);
        if (attempt.Job.Attempts >= settings.MaxAttempts)
        {
            return await FailAsync(attempt, error, progress, exception);
        }

        var delay = RetryBackoff.Delay(attempt.Job.Attempts, settings.RetryBaseDelay, settings.RetryMaxDelay, Random.Shared.NextDouble());
        var due = timeProvider.GetUtcNow() + delay;
        if (await jobs.ScheduleRetryAsync(attempt.Job.Id, attempt.Lease.Token, error, due) is not { } waiting)
        {
            // As in FailAsync: a job its owner asked to cancel waits for no retry, and a superseded attempt changes nothing.
            return await CancelInsteadAsync(attempt, progress, exception);
        }

        await PublishAsync(waiting);
        await attempt.Lease.ReleaseAsync();
        // Scheduled after MongoDB records the wait: if this worker dies in between, the reconciler dispatches it.
        await dispatcher.ScheduleAsync(waiting, due);
        await AcknowledgeAsync(attempt);
        metrics.Retried.Add(1);
        LogRetrying(logger, waiting.Id, waiting.Attempts, delay, exception);
        return AttemptOutcome.Failed;
    }

    /// <summary>
    /// Ends canceled an attempt that failed after its owner asked to cancel. The failure is still logged, so a broken
    /// generator does not hide behind its owners' cancels.
    /// </summary>
    private async Task<AttemptOutcome> CancelInsteadAsync(JobAttempt attempt, int progress, Exception? exception)
    {
        if (!await CancelAsync(attempt, progress))
        {
            return AttemptOutcome.Lost;
        }

        LogFailedWhileCanceled(logger, attempt.Job.Id, exception);
        return AttemptOutcome.Canceled;
    }

    /// <summary>On shutdown: the job goes straight back on the stream, its attempt uncounted.</summary>
    public async Task ReleaseAsync(JobAttempt attempt)
    {
        if (await Settled(attempt, await jobs.ReleaseAsync(attempt.Job.Id, attempt.Lease.Token)) is { } released)
        {
            // The lease goes first: a worker that read the new entry while it still stood would leave it for a lease duration.
            await attempt.Lease.ReleaseAsync();
            await dispatcher.DispatchAsync(released, DispatchReason.HandedBack);
            await AcknowledgeAsync(attempt);
            LogReleased(logger, released.Id);
        }
    }

    /// <summary>Publishes the state of a job whose attempt has started or changed.</summary>
    public Task PublishAsync(JobDocument job) => statuses.TryWriteAsync(JobSnapshot.From(job), publish: true);

    /// <summary>
    /// What the owner of a job whose generation threw sees: one stable sentence, whatever the exception said (its
    /// message can name hosts, paths or data), and the trace id under which the logs and the trace hold the details.
    /// </summary>
    private static string GenerationFailed(JobAttempt attempt)
    {
        var traceId = attempt.Activity?.TraceId.ToHexString()
            ?? (ActivityContext.TryParse(attempt.Job.TraceParent, null, out var submitted) ? submitted.TraceId.ToHexString() : "unknown");
        return $"The song could not be generated. Trace id: {traceId}.";
    }

    /// <summary>The transition's result, published; null (and logged) when a newer owner has the job.</summary>
    private async Task<JobDocument?> Settled(JobAttempt attempt, JobDocument? settled)
    {
        if (settled is null)
        {
            LogSuperseded(logger, attempt.Job.Id);
            return null;
        }

        await PublishAsync(settled);
        return settled;
    }

    /// <summary>A final job needs neither its stream entry nor its cancel flag any more.</summary>
    private Task FinishAsync(JobAttempt attempt) =>
        Task.WhenAll(AcknowledgeAsync(attempt), cancellations.ClearAsync(attempt.Job.Id));

    /// <summary>The attempt is over: its entry leaves the stream and the job its owner's running jobs.</summary>
    private Task AcknowledgeAsync(JobAttempt attempt) => stream.AcknowledgeAsync(attempt.EntryId, attempt.Job.Id, attempt.Job.UserId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} completed with song {SongId} after {Attempts} attempt(s).")]
    private static partial void LogCompleted(ILogger logger, string jobId, string? songId, int attempts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} canceled by its owner.")]
    private static partial void LogCanceled(ILogger logger, string jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: an attempt failed after its owner asked to cancel the job, which ended canceled.")]
    private static partial void LogFailedWhileCanceled(ILogger logger, string jobId, Exception? exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: attempt {Attempt} failed; retrying in {Delay}.")]
    private static partial void LogRetrying(ILogger logger, string jobId, int attempt, TimeSpan delay, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId} failed after {Attempts} attempt(s): {Error}")]
    private static partial void LogFailed(ILogger logger, string jobId, int attempts, string error, Exception? exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} handed back to the queue on shutdown.")]
    private static partial void LogReleased(ILogger logger, string jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: a newer owner has it; this attempt's result is dropped.")]
    private static partial void LogSuperseded(ILogger logger, string jobId);
}
