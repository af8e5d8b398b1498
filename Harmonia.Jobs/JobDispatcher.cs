using System.Diagnostics;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using StackExchange.Redis;

namespace Harmonia.Jobs;

/// <summary>
/// Puts jobs in their queue's waiting room, now or after a retry backoff. The waiting room is fair: each user's jobs
/// wait in a list of their own, and the scheduler (<see cref="JobStreamConsumer.ReadNewAsync"/>) serves the users
/// round-robin. Dispatch is only a notice: the job itself is already in MongoDB, so a dispatch that Redis loses is
/// repeated by the reconciler.
/// </summary>
public sealed class JobDispatcher(IConnectionMultiplexer redis, IOptions<JobQueueOptions> options, TimeProvider timeProvider, JobMetrics metrics)
{
    // KEYS[1] waiting index, KEYS[2] the user's waiting list, KEYS[3] turns. ARGV: job id, user id,
    // "enqueuedAt traceparent", wake channel, '1' to go first (a job handed back) or '0' to queue behind.
    // A job already waiting stays where it is.
    private const string DispatchScript = """
        if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[3]) == 0 then return 0 end
        if ARGV[5] == '1' then redis.call('LPUSH', KEYS[2], ARGV[1]) else redis.call('RPUSH', KEYS[2], ARGV[1]) end
        if redis.call('LLEN', KEYS[2]) == 1 then redis.call('RPUSH', KEYS[3], ARGV[2]) end
        redis.call('PUBLISH', ARGV[4], '')
        return 1
        """;

    // KEYS[1] delayed set, KEYS[2] waiting index, KEYS[3] turns. ARGV: now (Unix ms), most to move, wake channel,
    // waiting-list prefix. Members are "{jobId} {userId} {traceparent}" (see DelayedMember); moving and removing in one
    // script loses none. The users' lists share the queue's hash tag, so the script stays in one slot.
    private const string PromoteScript = """
        local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
        for _, member in ipairs(due) do
          local job, user, traceparent = string.match(member, '^(%S+) (%S+) ?(%S*)$')
          if job and redis.call('HSETNX', KEYS[2], job, ARGV[1] .. ' ' .. traceparent) == 1 then
            local waiting = ARGV[4] .. user
            redis.call('RPUSH', waiting, job)
            if redis.call('LLEN', waiting) == 1 then redis.call('RPUSH', KEYS[3], user) end
          end
          redis.call('ZREM', KEYS[1], member)
        end
        if #due > 0 then redis.call('PUBLISH', ARGV[3], '') end
        return #due
        """;

    // KEYS[1] waiting index, KEYS[2] the user's waiting list, KEYS[3] turns. ARGV: job id, user id.
    private const string WithdrawScript = """
        if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
        redis.call('LREM', KEYS[2], 0, ARGV[1])
        if redis.call('LLEN', KEYS[2]) == 0 then redis.call('LREM', KEYS[3], 0, ARGV[2]) end
        return 1
        """;

    private const int PromoteBatchSize = 100;

    private readonly string _queue = options.Value.Queue;

    private IDatabase Database => redis.GetDatabase();

    /// <summary>Puts the job in its owner's waiting list (at the front when handed back on shutdown) and wakes idle workers.</summary>
    public async Task DispatchAsync(JobDocument job, DispatchReason reason)
    {
        var enqueuedAt = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        await Database.ScriptEvaluateAsync(
            DispatchScript,
            [JobKeys.Waiting(_queue), JobKeys.WaitingOf(_queue, job.UserId), JobKeys.Turns(_queue)],
            [job.Id, job.UserId, $"{enqueuedAt} {job.TraceParent}", JobKeys.WakeChannel(_queue).ToString(), reason is DispatchReason.HandedBack ? "1" : "0"]);
        metrics.Enqueued.Add(1, new TagList { { "reason", reason switch { DispatchReason.Submitted => "submitted", DispatchReason.Retried => "retried", _ => "recovered" } } });
    }

    /// <summary>Takes a job that will not run (canceled while waiting) out of the waiting room, so it counts in no position.</summary>
    public Task WithdrawAsync(JobDocument job) =>
        Database.ScriptEvaluateAsync(
            WithdrawScript,
            [JobKeys.Waiting(_queue), JobKeys.WaitingOf(_queue, job.UserId), JobKeys.Turns(_queue)],
            [job.Id, job.UserId]);

    /// <summary>Dispatches the job once <paramref name="due"/> has passed.</summary>
    public Task ScheduleAsync(JobDocument job, DateTimeOffset due) =>
        Database.SortedSetAddAsync(JobKeys.Delayed(_queue), DelayedMember(job), due.ToUnixTimeMilliseconds());

    /// <summary>Takes the job out of the delayed set, once its backoff has been ended and it is dispatched at once.</summary>
    public Task UnscheduleAsync(JobDocument job) => Database.SortedSetRemoveAsync(JobKeys.Delayed(_queue), DelayedMember(job));

    /// <summary>Moves due scheduled jobs into the waiting room; returns how many.</summary>
    public async Task<int> PromoteDueAsync() =>
        (int)await Database.ScriptEvaluateAsync(
            PromoteScript,
            [JobKeys.Delayed(_queue), JobKeys.Waiting(_queue), JobKeys.Turns(_queue)],
            [timeProvider.GetUtcNow().ToUnixTimeMilliseconds(), PromoteBatchSize, JobKeys.WakeChannel(_queue).ToString(), JobKeys.WaitingPrefix(_queue)]);

    /// <summary>Whether the job is waiting out a backoff in the delayed set.</summary>
    public async Task<bool> IsScheduledAsync(JobDocument job) =>
        await Database.SortedSetScoreAsync(JobKeys.Delayed(_queue), DelayedMember(job)) is not null;

    /// <summary>The delayed set's member for a job: its owner (whose list it joins) and trace context (so a retry joins the original trace).</summary>
    private static string DelayedMember(JobDocument job) =>
        string.IsNullOrEmpty(job.TraceParent) ? $"{job.Id} {job.UserId}" : $"{job.Id} {job.UserId} {job.TraceParent}";
}

public enum DispatchReason
{
    /// <summary>A user submitted the job.</summary>
    Submitted,

    /// <summary>The reconciler found the job in MongoDB but not in Redis.</summary>
    Recovered,

    /// <summary>A stopping worker handed the job back; it goes to the front of its owner's list.</summary>
    HandedBack,

    /// <summary>An operator retried the failed job, or ended its backoff.</summary>
    Retried,
}

/// <summary>One stream entry: which job and whose, when it was dispatched, and the trace it belongs to.</summary>
public sealed record DispatchedJob(RedisValue EntryId, string JobId, string? UserId, DateTimeOffset EnqueuedAt, ActivityContext TraceContext)
{
    /// <summary>The range <see cref="DateTimeOffset.FromUnixTimeMilliseconds"/> accepts: years 1 to 9999.</summary>
    private const long MinUnixMilliseconds = -62_135_596_800_000, MaxUnixMilliseconds = 253_402_300_799_999;

    /// <summary>
    /// The entry's job; null when it names none that could exist. Only Harmonia's scripts write entries, but one garbled
    /// by hand must not stop a worker (an out-of-range time throws) or come back after every lease (an id that is not an
    /// ObjectId throws in the claim's query): it is read as leniently as it can be, or settled as naming no job.
    /// </summary>
    public static DispatchedJob? From(StreamEntry entry)
    {
        var jobId = (string?)entry["job"];
        if (jobId is null || !ObjectId.TryParse(jobId, out _))
        {
            return null;
        }

        var enqueuedAt = long.TryParse((string?)entry["enqueuedAt"], out var milliseconds)
            && milliseconds is >= MinUnixMilliseconds and <= MaxUnixMilliseconds
                ? DateTimeOffset.FromUnixTimeMilliseconds(milliseconds)
                : DateTimeOffset.MinValue;
        ActivityContext.TryParse((string?)entry["traceparent"], traceState: null, out var traceContext);
        var userId = (string?)entry["user"];
        return new DispatchedJob(entry.Id, jobId, string.IsNullOrEmpty(userId) ? null : userId, enqueuedAt, traceContext);
    }
}
