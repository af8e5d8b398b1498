using StackExchange.Redis;

namespace Harmonia.Jobs;

/// <summary>
/// Every Redis key and channel the jobs feature uses. Per-job names follow Harmonia's original design
/// (<c>job:{jobId}</c> and its <c>:progress</c>/<c>:completed</c> channels); per-queue names carry the queue.
/// The braces are literal: they are Redis Cluster hash tags, so a job's keys share one hash slot (the status
/// script reads the lease) and so do a queue's (the promote script moves entries from the delayed set to the
/// stream). Channels need no tag: a classic PUBLISH reaches subscribers on every node.
/// </summary>
public static class JobKeys
{
    /// <summary>How long a finished job's status (and a cancel flag) stays in Redis after its last change, as in the original design.</summary>
    public static readonly TimeSpan StatusTimeToLive = TimeSpan.FromDays(1);

    /// <summary>
    /// How long an unfinished job's status stays in Redis without a write. Each progress write and each renewal of the
    /// job's lease (at least once a second) sets it again, so a running job's status does not lapse, while one its job
    /// left behind (settled or canceled in MongoDB, the write saying so lost) is gone this long after the last, and
    /// readers fall back to MongoDB. Ten renewal intervals, so a renewal late on a busy worker does not let it lapse.
    /// </summary>
    public static readonly TimeSpan UnfinishedStatusTimeToLive = TimeSpan.FromSeconds(10);

    /// <summary>The consumer group every worker of a queue reads through.</summary>
    public const string ConsumerGroup = "workers";

    /// <summary>A job's status snapshot: a hash of <c>version</c>, <c>progress</c> and the snapshot's JSON <c>data</c>.</summary>
    public static RedisKey Status(string jobId) => $"job:{{{jobId}}}";

    /// <summary>Carries every non-final snapshot (progress and state changes).</summary>
    public static RedisChannel ProgressChannel(string jobId) => RedisChannel.Literal($"job:{jobId}:progress");

    /// <summary>Carries the final snapshot (completed, failed or canceled).</summary>
    public static RedisChannel CompletedChannel(string jobId) => RedisChannel.Literal($"job:{jobId}:completed");

    /// <summary>The lease of the worker running the job: its token, expiring unless renewed.</summary>
    public static RedisKey Lease(string jobId) => $"job:{{{jobId}}}:lease";

    /// <summary>Set when a user cancels a running job, for a worker that missed the <see cref="CancelChannel"/> message.</summary>
    public static RedisKey CancelFlag(string jobId) => $"job:{{{jobId}}}:cancel";

    /// <summary>Carries the id of each job a user cancels, to whichever worker runs it.</summary>
    public static readonly RedisChannel CancelChannel = RedisChannel.Literal("jobs:cancel");

    /// <summary>
    /// The stream a worker takes its jobs through: an entry is added when the fair scheduler hands the job to a worker
    /// (<see cref="JobStreamConsumer.ReadNewAsync"/>) and deleted once the job is settled, so it holds the jobs in progress.
    /// </summary>
    public static RedisKey Stream(string queue) => $"jobs:{{{queue}}}:stream";

    /// <summary>
    /// The waiting room's index: every job waiting for a worker, with its dispatch details (<c>enqueuedAt traceparent</c>).
    /// Its length is the backlog; a job is in it at most once, so a repeated dispatch of a waiting job changes nothing.
    /// </summary>
    public static RedisKey Waiting(string queue) => $"jobs:{{{queue}}}:waiting";

    /// <summary>One user's waiting jobs, oldest first (a list of job ids).</summary>
    public static RedisKey WaitingOf(string queue, string userId) => $"{WaitingPrefix(queue)}{userId}";

    /// <summary>The prefix of <see cref="WaitingOf"/>, for scripts that visit every waiting user.</summary>
    public static string WaitingPrefix(string queue) => $"jobs:{{{queue}}}:waiting:";

    /// <summary>
    /// The users with waiting jobs, each once, in the order the scheduler serves them: it takes the head's oldest job
    /// and puts the user back at the tail while they have more (round-robin).
    /// </summary>
    public static RedisKey Turns(string queue) => $"jobs:{{{queue}}}:turns";

    /// <summary>The ids of one user's jobs handed to workers and not yet settled; its size is checked against the running cap.</summary>
    public static RedisKey RunningOf(string queue, string userId) => $"{RunningPrefix(queue)}{userId}";

    /// <summary>The prefix of <see cref="RunningOf"/>, for the scheduler's script.</summary>
    public static string RunningPrefix(string queue) => $"jobs:{{{queue}}}:running:";

    /// <summary>Measured run times of completed jobs (a moving average), for estimated start times; losing it only blanks them.</summary>
    public static RedisKey RunTimes(string queue) => $"jobs:{{{queue}}}:runtimes";

    /// <summary>How long the run-time average lasts without a completed job to refresh it.</summary>
    public static readonly TimeSpan RunTimesTimeToLive = TimeSpan.FromDays(7);

    /// <summary>Jobs waiting out a retry backoff, scored by when they are due.</summary>
    public static RedisKey Delayed(string queue) => $"jobs:{{{queue}}}:delayed";

    /// <summary>Tells idle workers that the stream has new entries, so they need not poll fast.</summary>
    public static RedisChannel WakeChannel(string queue) => RedisChannel.Literal($"jobs:{queue}:wake");

    /// <summary>Held by the one worker sweeping MongoDB for lost jobs this round.</summary>
    public static RedisKey ReconcilerLock(string queue) => $"jobs:{{{queue}}}:reconciler";

    /// <summary>
    /// Marks a running job seen without a lease, holding when (Unix ms); a sweep a lease duration later re-dispatches it if still so.
    /// </summary>
    public static RedisKey LeaselessSuspect(string queue, string jobId) => $"jobs:{{{queue}}}:suspect:{jobId}";
}
