using System.Security.Claims;
using Harmonia.Api.Auth;
using Harmonia.Api.Jobs;
using Harmonia.DataStores;
using Harmonia.Jobs;
using Microsoft.Extensions.Options;
using MongoDB.Driver;

namespace Harmonia.Api.Admin;

/// <summary>
/// The queue view: what an administrator (or the dashboard's worker commands) can see of the job queue and do to it.
/// Lists come from MongoDB, the source of truth, so a job Redis has lost still shows; every change is one of
/// <see cref="JobStore"/>'s conditional transitions, then Redis is told on a best-effort basis (the worker's reconciler
/// repairs what it misses). Every change is logged with who made it.
/// </summary>
public sealed partial class QueueAdministration(
    JobStore jobs,
    JobService service,
    JobStatusStore statuses,
    JobDispatcher dispatcher,
    IOptions<JobQueueOptions> options,
    ILogger<QueueAdministration> logger)
{
    /// <summary>Delayed jobs read from MongoDB per round while draining.</summary>
    private const int DrainBatchSize = 100;

    private static FilterDefinitionBuilder<JobDocument> Filter => Builders<JobDocument>.Filter;

    private readonly string _queue = options.Value.Queue;

    public async Task<QueuePageResponse> ListAsync(QueuePlaceKind place, int page, int pageSize, CancellationToken cancellationToken)
    {
        // The reconciler's index (queue, status, updatedAt) serves every place.
        var find = jobs.Documents.Find(Filter.Eq(job => job.Queue, _queue) & InPlace(place));
        find = place is QueuePlaceKind.Failed
            ? find.SortByDescending(job => job.UpdatedAt).ThenByDescending(job => job.Id)
            : find.SortBy(job => job.UpdatedAt).ThenBy(job => job.Id);
        var found = await find.Skip((page - 1) * pageSize).Limit(pageSize + 1).ToListAsync(cancellationToken);
        return new QueuePageResponse(_queue, place, [.. found.Take(pageSize).Select(QueuedJobResponse.From)], page, pageSize, found.Count > pageSize);
    }

    /// <summary>Puts a failed job back in the queue with a fresh set of attempts; null when there is no failed job with that id.</summary>
    public async Task<QueuedJobResponse?> RetryAsync(string jobId, ClaimsPrincipal actor)
    {
        if (await jobs.RetryFailedAsync(jobId) is not { } retried)
        {
            return null;
        }

        LogRetried(logger, Actor(actor), retried.Id, retried.UserId);
        await TryDispatchAsync(retried);
        return QueuedJobResponse.From(retried);
    }

    /// <summary>Cancels a pending or running job of any user, exactly as its owner would.</summary>
    public async Task<Cancellation> CancelAsync(string jobId, ClaimsPrincipal actor)
    {
        if (await jobs.FindAsync(jobId, CancellationToken.None) is not { } job)
        {
            return new Cancellation(CancelOutcome.NotFound, null);
        }

        var cancellation = await service.CancelAsync(job.UserId, jobId);
        if (cancellation.Outcome is CancelOutcome.Canceled or CancelOutcome.Requested)
        {
            LogCanceled(logger, Actor(actor), jobId, job.UserId, cancellation.Outcome);
        }

        return cancellation;
    }

    /// <summary>Deletes a finished job and its status in Redis; false when there is no finished job with that id (cancel a live one first).</summary>
    public async Task<bool> RemoveAsync(string jobId, ClaimsPrincipal actor)
    {
        var job = await jobs.FindAsync(jobId, CancellationToken.None);
        if (job is null || !await jobs.DeleteFinishedAsync(jobId, CancellationToken.None))
        {
            return false;
        }

        LogRemoved(logger, Actor(actor), jobId, job.UserId, job.Status);
        await statuses.TryRemoveAsync(jobId);
        return true;
    }

    /// <summary>
    /// Ends the backoff of every job waiting to be retried and dispatches them now (after an outage has been fixed, say).
    /// Returns how many. MongoDB is read in batches; each job is changed only if it still waits, so a drain racing a worker
    /// or another drain moves no job twice.
    /// </summary>
    public async Task<int> DrainDelayedAsync(ClaimsPrincipal actor, CancellationToken cancellationToken)
    {
        var drained = 0;
        List<JobDocument> batch;
        do
        {
            batch = await jobs.Documents.Find(Filter.Eq(job => job.Queue, _queue) & InPlace(QueuePlaceKind.Delayed))
                .Limit(DrainBatchSize)
                .ToListAsync(cancellationToken);
            foreach (var delayed in batch)
            {
                if (await jobs.EndBackoffAsync(delayed.Id) is { } due)
                {
                    await TryDispatchAsync(due, unschedule: delayed);
                    drained++;
                }
            }
        }
        while (batch.Count == DrainBatchSize);

        LogDrained(logger, Actor(actor), drained, _queue);
        return drained;
    }

    private static FilterDefinition<JobDocument> InPlace(QueuePlaceKind place) => place switch
    {
        QueuePlaceKind.Waiting => Filter.Eq(job => job.Status, JobStatus.Pending) & Filter.Eq(job => job.NextAttemptAt, null),
        QueuePlaceKind.Delayed => Filter.Eq(job => job.Status, JobStatus.Pending) & Filter.Ne(job => job.NextAttemptAt, null),
        QueuePlaceKind.Running => Filter.Eq(job => job.Status, JobStatus.Running),
        _ => Filter.Eq(job => job.Status, JobStatus.Failed),
    };

    private async Task TryDispatchAsync(JobDocument job, JobDocument? unschedule = null)
    {
        try
        {
            await statuses.WriteAsync(JobSnapshot.From(job), publish: true);
            await dispatcher.DispatchAsync(job, DispatchReason.Retried);
            if (unschedule is not null)
            {
                await dispatcher.UnscheduleAsync(unschedule);
            }
        }
        catch (Exception exception) when (exception.IsRedisFailure())
        {
            LogDispatchDeferred(logger, job.Id, exception);
        }
    }

    /// <summary>An administrator's user id, or <c>dashboard</c> for the AppHost's commands.</summary>
    private static string Actor(ClaimsPrincipal actor) =>
        actor.FindUserId() ?? (actor.Identity?.AuthenticationType == CommandKeyAuthentication.SchemeName ? "dashboard" : "unknown");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Admin {Actor} retried failed job {JobId} of user {UserId}.")]
    private static partial void LogRetried(ILogger logger, string actor, string jobId, string userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Admin {Actor} canceled job {JobId} of user {UserId} ({Outcome}).")]
    private static partial void LogCanceled(ILogger logger, string actor, string jobId, string userId, CancelOutcome outcome);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Admin {Actor} removed {Status} job {JobId} of user {UserId}.")]
    private static partial void LogRemoved(ILogger logger, string actor, string jobId, string userId, JobStatus status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Admin {Actor} drained the delayed set of queue {Queue}: {Count} jobs dispatched now.")]
    private static partial void LogDrained(ILogger logger, string actor, int count, string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} was put back in its queue in MongoDB but Redis is unavailable; the worker's reconciler dispatches it.")]
    private static partial void LogDispatchDeferred(ILogger logger, string jobId, Exception exception);
}
