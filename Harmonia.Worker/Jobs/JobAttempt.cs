using System.Diagnostics;
using Harmonia.Jobs;
using StackExchange.Redis;

namespace Harmonia.Worker.Jobs;

/// <summary>One claimed run of a job: the job as claimed, the lease that owns it, and the stream entry that brought it.</summary>
public sealed record JobAttempt(JobDocument Job, JobLease Lease, RedisValue EntryId, Activity? Activity) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Lease.DisposeAsync();
}

/// <summary>How an attempt ended, as the <c>outcome</c> tag of <c>harmonia.jobs.run_duration</c>.</summary>
public enum AttemptOutcome
{
    Completed,
    Failed,
    Canceled,

    /// <summary>The worker stopped and handed the job back to the queue.</summary>
    Released,

    /// <summary>Another worker took the job over; this attempt changed nothing.</summary>
    Lost,
}
