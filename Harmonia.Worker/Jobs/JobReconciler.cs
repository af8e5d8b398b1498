using Harmonia.DataStores;
using Harmonia.Jobs;
using Microsoft.Extensions.Options;
using MongoDB.Driver;
using StackExchange.Redis;

namespace Harmonia.Worker.Jobs;

/// <summary>
/// Makes Redis whole again from MongoDB, the source of truth: recreates the consumer group if it is gone and
/// re-dispatches unfinished jobs Redis no longer knows (pending jobs that are neither on the stream nor scheduled
/// for a retry, and running jobs whose lease is gone). A pending job still awaiting its admission is never dispatched:
/// its submission may have answered 503; past <see cref="JobDocument.AdmissionBound"/> it is withdrawn. It sweeps at once when the worker finds that Redis lost
/// the queue (<see cref="JobStreamConsumer.Losses"/>: a flush, a restart), and again a second after each such sweep
/// that fails until one succeeds, so queued jobs resume within seconds of Redis (and MongoDB) answering again; and every
/// <see cref="JobWorkerOptions.SweepInterval"/> as the backstop, by whichever worker takes the round's lock. So a
/// flushed, restarted or evicting Redis loses no job.
/// </summary>
public sealed partial class JobReconciler(
    JobStore jobs,
    JobStreamConsumer stream,
    JobDispatcher dispatcher,
    IConnectionMultiplexer redis,
    IOptions<JobQueueOptions> queue,
    IOptionsMonitor<JobWorkerOptions> options,
    TimeProvider timeProvider,
    ILogger<JobReconciler> logger) : BackgroundService
{
    /// <summary>Consumers (past processes) silent this long with nothing pending are removed from the group.</summary>
    private static readonly TimeSpan ConsumerIdleLimit = TimeSpan.FromHours(1);

    /// <summary>
    /// How soon a sweep after a loss that failed is tried again. The loss signal is taken when that sweep starts, and the
    /// periodic sweep counts only jobs quiet for a whole interval, so without another try the jobs queued just before the
    /// loss would wait up to two intervals. A failing try is itself bounded (Redis's command timeout, MongoDB's server
    /// selection), so a second of pause keeps a long outage from turning the retries into a busy loop.
    /// </summary>
    private static readonly TimeSpan AfterLossRetryDelay = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var nextSweep = timeProvider.GetUtcNow() + options.CurrentValue.SweepInterval;
        var lossUnrepaired = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = lossUnrepaired ? AfterLossRetryDelay : nextSweep - timeProvider.GetUtcNow();
            var signalled = await stream.Losses.WaitToReadAsync(wait, timeProvider, stoppingToken) && stream.Losses.TryRead(out _);
            var afterLoss = signalled || lossUnrepaired;
            if (!afterLoss)
            {
                nextSweep = timeProvider.GetUtcNow() + options.CurrentValue.SweepInterval;
            }

            try
            {
                await SweepAsync(afterLoss, stoppingToken);
                lossUnrepaired = false;
            }
            catch (Exception exception) when (exception.EndsOnlyThisRound(stoppingToken))
            {
                lossUnrepaired = afterLoss;
                if (afterLoss)
                {
                    LogSweepAfterLossFailed(logger, AfterLossRetryDelay, exception);
                }
                else
                {
                    LogSweepFailed(logger, exception);
                }
            }
        }
    }

    /// <param name="afterLoss">
    /// Redis just lost the queue: every unfinished job counts, however recently it changed, and the round's lock is
    /// not asked for (a worker holding it may have started its sweep before the loss). A job this re-dispatches
    /// twice is harmless: its lease and its MongoDB claim let it run once.
    /// </param>
    private async Task SweepAsync(bool afterLoss, CancellationToken cancellationToken)
    {
        var sweepInterval = options.CurrentValue.SweepInterval;
        var database = redis.GetDatabase();
        if (!afterLoss && !await database.StringSetAsync(JobKeys.ReconcilerLock(queue.Value.Queue), stream.ConsumerName, sweepInterval * 0.9, When.NotExists))
        {
            return;
        }

        await stream.EnsureGroupAsync();

        var now = timeProvider.GetUtcNow().UtcDateTime;
        var quietSince = afterLoss ? now : now - sweepInterval;
        var pageSize = options.CurrentValue.SweepPageSize;
        // Every unfinished job, a page at a time: dispatching a job leaves MongoDB untouched, so the oldest jobs stay
        // the oldest, and a sweep that stopped after them would never reach a newer job Redis lost.
        var redispatched = 0;
        var dispatched = new Lazy<Task<HashSet<string>>>(stream.ListJobIdsAsync);
        JobDocument? after = null;
        do
        {
            var page = await jobs.FindQuietUnfinishedAsync(queue.Value.Queue, quietSince, after, pageSize, cancellationToken);
            redispatched += await ReconcileAsync(database, page, dispatched, now, afterLoss, sweepInterval);
            after = page.Count == pageSize ? page[^1] : null;
        }
        while (after is not null);

        if (redispatched > 0)
        {
            LogRedispatched(logger, redispatched, queue.Value.Queue);
        }

        await stream.RemoveIdleConsumersAsync(ConsumerIdleLimit);
    }

    /// <summary>Re-dispatches the page's jobs Redis lost (and after a loss schedules its retries again); returns how many.</summary>
    /// <param name="dispatched">The jobs in the waiting room or on the stream, read once per sweep, when a page first has a pending job.</param>
    private async Task<int> ReconcileAsync(
        IDatabase database, IReadOnlyList<JobDocument> unfinished, Lazy<Task<HashSet<string>>> dispatched, DateTime now, bool afterLoss, TimeSpan sweepInterval)
    {
        await WithdrawOverdueAsync([.. unfinished.Where(job => job is { Status: JobStatus.Pending, AwaitingAdmission: true })], now);
        var lost = await LeaselessRunningAsync(database, [.. unfinished.Where(job => job.Status is JobStatus.Running)], sweepInterval);
        lost.AddRange(await UndispatchedPendingAsync(
            dispatched, [.. unfinished.Where(job => job is { Status: JobStatus.Pending, AwaitingAdmission: false } && !(job.NextAttemptAt > now))]));
        foreach (var job in lost)
        {
            await dispatcher.DispatchAsync(job, DispatchReason.Recovered);
        }

        if (afterLoss)
        {
            // Retries waiting out a backoff lost their place in the delayed set too; putting one back twice changes nothing.
            foreach (var job in unfinished.Where(job => job is { Status: JobStatus.Pending, NextAttemptAt: { } due } && due > now))
            {
                await dispatcher.ScheduleAsync(job, new DateTimeOffset(job.NextAttemptAt!.Value, TimeSpan.Zero));
            }
        }

        return lost.Count;
    }

    /// <summary>
    /// Takes back the jobs whose admission should have come and did not: their submitter stopped, or answered 503 and
    /// failed to withdraw them, before the waiting cap's verdict. A keyed repeat that admitted one first keeps it.
    /// </summary>
    private async Task WithdrawOverdueAsync(IReadOnlyList<JobDocument> unadmitted, DateTime now)
    {
        foreach (var job in unadmitted.Where(job => now - job.CreatedAt > JobDocument.AdmissionBound))
        {
            if (await jobs.WithdrawAsync(job, CancellationToken.None))
            {
                LogWithdrawnOverdue(logger, job.Id, JobDocument.AdmissionBound);
            }
        }
    }

    /// <summary>
    /// Running jobs that one sweep found without a lease and a sweep at least a <see cref="JobWorkerOptions.LeaseDuration"/>
    /// later still does. A live worker re-takes a lease Redis forgot at its next renewal (three or more times within a lease
    /// duration), so a job still without one then has none; without the gap, two sweeps close together (the one a flush
    /// triggers and a periodic one, or two workers' after the flush) would take a running job from its live worker and
    /// count the attempt. The mark holds when it was first set.
    /// </summary>
    private async Task<List<JobDocument>> LeaselessRunningAsync(IDatabase database, IReadOnlyList<JobDocument> running, TimeSpan sweepInterval)
    {
        var orphaned = new List<JobDocument>();
        var batch = database.CreateBatch();
        var checks = running
            .Select(job => (Job: job,
                Leased: batch.KeyExistsAsync(JobKeys.Lease(job.Id)),
                Suspected: batch.StringGetAsync(JobKeys.LeaselessSuspect(queue.Value.Queue, job.Id))))
            .ToList();
        batch.Execute();

        var gap = options.CurrentValue.LeaseDuration;
        var now = timeProvider.GetUtcNow();
        foreach (var (job, leased, suspected) in checks)
        {
            var suspect = JobKeys.LeaselessSuspect(queue.Value.Queue, job.Id);
            var mark = await suspected;
            if (await leased)
            {
                if (!mark.IsNull)
                {
                    await database.KeyDeleteAsync(suspect);
                }
            }
            else if (!long.TryParse((string?)mark, out var markedAt))
            {
                // Outlives the gap and the sweep after it; a lost mark only starts the wait again.
                await database.StringSetAsync(suspect, now.ToUnixTimeMilliseconds(), (gap > sweepInterval ? gap : sweepInterval) * 3);
            }
            else if (now - DateTimeOffset.FromUnixTimeMilliseconds(markedAt) >= gap)
            {
                await database.KeyDeleteAsync(suspect);
                orphaned.Add(job);
            }
        }

        return orphaned;
    }

    /// <summary>Pending, due jobs that are neither in the waiting room, nor on the stream (read or not), nor in the delayed set.</summary>
    private async Task<List<JobDocument>> UndispatchedPendingAsync(Lazy<Task<HashSet<string>>> dispatched, IReadOnlyList<JobDocument> pending)
    {
        if (pending.Count == 0)
        {
            return [];
        }

        var onStream = await dispatched.Value;
        var undispatched = new List<JobDocument>();
        foreach (var job in pending.Where(job => !onStream.Contains(job.Id)))
        {
            if (!await dispatcher.IsScheduledAsync(job))
            {
                undispatched.Add(job);
            }
        }

        return undispatched;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Re-dispatched {Count} job(s) of queue {Queue} that Redis had lost.")]
    private static partial void LogRedispatched(ILogger logger, int count, string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Withdrew job {JobId}: it was still awaiting its admission {Bound} after its insert, so its submission failed.")]
    private static partial void LogWithdrawnOverdue(ILogger logger, string jobId, TimeSpan bound);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweeping for lost jobs failed; trying again next interval.")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweeping for the jobs Redis lost failed; trying again in {Delay}.")]
    private static partial void LogSweepAfterLossFailed(ILogger logger, TimeSpan delay, Exception exception);
}
