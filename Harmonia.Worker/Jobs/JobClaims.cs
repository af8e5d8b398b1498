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
    /// <summary>The attempt, or null when this entry must not run now (the job is leased, settled, or waiting).</summary>
    public async Task<JobAttempt?> TryClaimAsync(DispatchedJob dispatched, Activity? activity)
    {
        var lease = await JobLease.TryAcquireAsync(redis.GetDatabase(), dispatched.JobId, options.CurrentValue.LeaseDuration, logger);
        if (lease is null)
        {
            // The holder may run the job (under this entry or another), or may have died so recently that its lease
            // outlives its entry's idle time (it took the lease just after reading the entry). Nothing here tells the two
            // apart, so the entry stays pending and is reclaimed once idle for a lease duration: by then a live holder has
            // renewed the lease and a dead one's has lapsed. Dropping it could lose the job's only entry, and with it the
            // only way its slot in the owner's running jobs is ever given back.
            return null;
        }

        JobDocument? job;
        try
        {
            job = await jobs.TryClaimAsync(dispatched.JobId, lease.Token);
        }
        catch
        {
            // The claim failed (its answer may be lost): the lease goes now, not when it lapses, so whoever reclaims
            // this entry finds the job free.
            await lease.ReleaseAsync();
            throw;
        }

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
    /// Settles an entry for a job that cannot start: one settled already (a duplicate entry, a retry racing a
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
