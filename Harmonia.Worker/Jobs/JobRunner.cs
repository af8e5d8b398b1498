using System.Diagnostics;
using Harmonia.DataStores;
using Harmonia.Jobs;
using Harmonia.Worker.Jobs.Generation;
using Microsoft.Extensions.Options;

namespace Harmonia.Worker.Jobs;

/// <summary>
/// Runs one dispatched job from claim to settlement. Processing is at least once (a job can be started
/// again after a crash); the outcome is exactly once, because every change is conditional on the lease
/// token in MongoDB and the stored song and library item are unique per job.
/// </summary>
public sealed partial class JobRunner(
    JobClaims claims,
    JobSettler settler,
    JobStore jobs,
    JobStatusStore statuses,
    JobStreamConsumer stream,
    JobCancellations cancellations,
    JobQueuePlaces places,
    ISongGenerator generator,
    JobCompletion completion,
    JobMetrics metrics,
    IOptionsMonitor<JobWorkerOptions> options,
    TimeProvider timeProvider,
    ILogger<JobRunner> logger)
{
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

        await using var attempt = await claims.TryClaimAsync(dispatched, activity);
        if (attempt is null)
        {
            return;
        }

        var settings = options.CurrentValue;
        if (attempt.Job.CancelRequested)
        {
            await settler.CancelAsync(attempt, progress: 0);
        }
        else if (attempt.Job.Attempts > settings.MaxAttempts)
        {
            // Only crashes get a job here (failures stop at the limit): a job that kills its worker every time.
            await settler.FailAsync(attempt, $"Gave up after {settings.MaxAttempts} attempts; the last ones were interrupted.", progress: 0);
        }
        else
        {
            await settler.PublishAsync(attempt.Job);
            metrics.Started.Add(1);
            using var tracking = cancellations.Track(attempt.Job.Id, attempt.Lease.RequestCancel);
            attempt.Lease.StartRenewing(stream, attempt.EntryId, cancellations, settings.LeaseRenewalInterval, timeProvider);
            var startedAt = timeProvider.GetTimestamp();
            var outcome = await GenerateAsync(attempt, stopping);
            var runTime = timeProvider.GetElapsedTime(startedAt);
            metrics.RunDuration.Record(runTime.TotalSeconds, new TagList { { "outcome", Tag(outcome) } });
            if (outcome is AttemptOutcome.Completed)
            {
                await RecordRunTimeAsync(runTime);
            }
        }
    }

    /// <summary>Feeds the estimated start times of waiting jobs; an estimate is only shown, so a failure is only logged.</summary>
    private async Task RecordRunTimeAsync(TimeSpan runTime)
    {
        try
        {
            await places.RecordRunTimeAsync(runTime);
        }
        catch (Exception exception) when (exception.IsRedisFailure())
        {
            LogRunTimeNotRecorded(logger, exception);
        }
    }

    /// <summary>Runs the generator and settles the attempt however it ends: done, failed, canceled, stopped or taken over.</summary>
    private async Task<AttemptOutcome> GenerateAsync(JobAttempt attempt, CancellationToken stopping)
    {
        var lease = attempt.Lease;
        var progress = new ProgressReporter(statuses, attempt, logger);
        using var running = CancellationTokenSource.CreateLinkedTokenSource(stopping, lease.Canceled, lease.Lost);
        byte[] audio;
        try
        {
            audio = await generator.GenerateAsync(new SongRequest(attempt.Job.Prompt, attempt.Job.DurationSeconds), progress, running.Token);
        }
        catch (OperationCanceledException) when (lease.Lost.IsCancellationRequested)
        {
            return AttemptOutcome.Lost;
        }
        catch (OperationCanceledException) when (lease.Canceled.IsCancellationRequested)
        {
            await settler.CancelAsync(attempt, progress.Percent);
            return AttemptOutcome.Canceled;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            await settler.ReleaseAsync(attempt);
            return AttemptOutcome.Released;
        }
        catch (Exception exception)
        {
            // Any other cancellation is the generator's own (an HttpClient timeout is a TaskCanceledException):
            // the attempt failed, so it is retried after a backoff like any failure, not left running as if interrupted.
            return await settler.RetryOrFailAsync(attempt, exception, progress.Percent);
        }

        if (lease.Lost.IsCancellationRequested)
        {
            return AttemptOutcome.Lost;
        }

        // The cancel may have reached MongoDB while its notice through Redis was lost, so the attempt ran to its end
        // unaware: one read before storing anything keeps a canceled job's song out of its owner's library.
        if (await jobs.IsCancelRequestedAsync(attempt.Job.Id))
        {
            await settler.CancelAsync(attempt, progress.Percent);
            return AttemptOutcome.Canceled;
        }

        await completion.CompleteAsync(attempt, audio);
        return AttemptOutcome.Completed;
    }

    private static string Tag(AttemptOutcome outcome) => outcome switch
    {
        AttemptOutcome.Completed => "completed",
        AttemptOutcome.Failed => "failed",
        AttemptOutcome.Canceled => "canceled",
        AttemptOutcome.Released => "released",
        _ => "lost",
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording a job's run time failed; start estimates use the earlier ones.")]
    private static partial void LogRunTimeNotRecorded(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: taking over from a worker whose lease ran out.")]
    private static partial void LogReclaimed(ILogger logger, string jobId);
}
