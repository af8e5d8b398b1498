using System.Diagnostics;
using Harmonia.Jobs;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Harmonia.Worker.Jobs;

/// <summary>
/// Turns a stream entry into an attempt: the job's lease in Redis (so one worker runs it), then the claim in
/// MongoDB (so only a job that may start now starts). An entry that cannot start is settled here.
/// </summary>
public sealed class JobClaims(
    JobStore jobs,
    JobDispatcher dispatcher,
    JobStreamConsumer stream,
    IConnectionMultiplexer redis,
    IOptionsMonitor<JobWorkerOptions> options,
    ILogger<JobClaims> logger)
{
    /// <summary>The attempt, or null when this entry must not run (the job is another worker's, settled, or waiting).</summary>
    public async Task<JobAttempt?> TryClaimAsync(DispatchedJob dispatched, Activity? activity)
    {
        var lease = await JobLease.TryAcquireAsync(redis.GetDatabase(), dispatched.JobId, options.CurrentValue.LeaseDuration, logger);
        if (lease is null)
        {
            // A live worker runs this job under its own entry; this one is a duplicate, and the job still counts as running.
            await stream.AcknowledgeAsync(dispatched.EntryId, dispatched.JobId, userId: null);
            return null;
        }

        var job = await jobs.TryClaimAsync(dispatched.JobId, lease.Token);
        if (job is null)
        {
            await lease.ReleaseAsync();
            await PassOverAsync(dispatched);
            return null;
        }

        activity?.SetTag("harmonia.job.attempt", job.Attempts);
        return new JobAttempt(job, lease, dispatched.EntryId, activity);
    }

    /// <summary>
    /// Settles a notice for a job that cannot start: one settled already (a duplicate notice, a retry racing a
    /// cancel) is dropped, and one waiting out a retry backoff (a recovery dispatch came early) goes back on the schedule.
    /// </summary>
    private async Task PassOverAsync(DispatchedJob dispatched)
    {
        var job = await jobs.FindAsync(dispatched.JobId, CancellationToken.None);
        if (job is { Status: JobStatus.Pending, NextAttemptAt: { } due })
        {
            await dispatcher.ScheduleAsync(job, new DateTimeOffset(due, TimeSpan.Zero));
        }

        await stream.AcknowledgeAsync(dispatched.EntryId, dispatched.JobId, dispatched.UserId);
    }
}
