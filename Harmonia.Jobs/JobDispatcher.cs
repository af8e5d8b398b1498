using System.Diagnostics;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Harmonia.Jobs;

/// <summary>
/// Puts jobs on their queue's Redis stream, now or after a retry backoff. Dispatch is only a notice: the
/// job itself is already in MongoDB, so a dispatch that Redis loses is repeated by the reconciler.
/// </summary>
public sealed class JobDispatcher(IConnectionMultiplexer redis, IOptions<JobQueueOptions> options, TimeProvider timeProvider, JobMetrics metrics)
{
    // KEYS[1] stream. ARGV: job id, enqueued-at (Unix ms), traceparent, wake channel.
    private const string DispatchScript = """
        local id = redis.call('XADD', KEYS[1], '*', 'job', ARGV[1], 'enqueuedAt', ARGV[2], 'traceparent', ARGV[3])
        redis.call('PUBLISH', ARGV[4], '')
        return id
        """;

    // KEYS[1] delayed set, KEYS[2] stream. ARGV: now (Unix ms), most to move, wake channel.
    // Members are "{jobId} {traceparent}" (see DelayedMember); moving and removing in one script loses none.
    private const string PromoteScript = """
        local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
        for _, member in ipairs(due) do
          local job, traceparent = string.match(member, '^(%S+) ?(%S*)$')
          redis.call('XADD', KEYS[2], '*', 'job', job, 'enqueuedAt', ARGV[1], 'traceparent', traceparent)
          redis.call('ZREM', KEYS[1], member)
        end
        if #due > 0 then redis.call('PUBLISH', ARGV[3], '') end
        return #due
        """;

    private const int PromoteBatchSize = 100;

    private readonly string _queue = options.Value.Queue;

    private IDatabase Database => redis.GetDatabase();

    /// <summary>Appends the job to the stream and wakes idle workers.</summary>
    public async Task DispatchAsync(string jobId, string? traceParent, DispatchReason reason)
    {
        await Database.ScriptEvaluateAsync(
            DispatchScript,
            [JobKeys.Stream(_queue)],
            [jobId, timeProvider.GetUtcNow().ToUnixTimeMilliseconds(), traceParent ?? "", JobKeys.WakeChannel(_queue).ToString()]);
        metrics.Enqueued.Add(1, new TagList { { "reason", reason is DispatchReason.Submitted ? "submitted" : "recovered" } });
    }

    /// <summary>Dispatches the job once <paramref name="due"/> has passed.</summary>
    public Task ScheduleAsync(string jobId, string? traceParent, DateTimeOffset due) =>
        Database.SortedSetAddAsync(JobKeys.Delayed(_queue), DelayedMember(jobId, traceParent), due.ToUnixTimeMilliseconds());

    /// <summary>Moves due scheduled jobs onto the stream; returns how many.</summary>
    public async Task<int> PromoteDueAsync() =>
        (int)await Database.ScriptEvaluateAsync(
            PromoteScript,
            [JobKeys.Delayed(_queue), JobKeys.Stream(_queue)],
            [timeProvider.GetUtcNow().ToUnixTimeMilliseconds(), PromoteBatchSize, JobKeys.WakeChannel(_queue).ToString()]);

    /// <summary>Whether the job is waiting out a backoff in the delayed set.</summary>
    public async Task<bool> IsScheduledAsync(string jobId, string? traceParent) =>
        await Database.SortedSetScoreAsync(JobKeys.Delayed(_queue), DelayedMember(jobId, traceParent)) is not null;

    /// <summary>The delayed set's member for a job; the trace context rides along so a retry joins the original trace.</summary>
    private static string DelayedMember(string jobId, string? traceParent) =>
        string.IsNullOrEmpty(traceParent) ? jobId : $"{jobId} {traceParent}";
}

public enum DispatchReason
{
    /// <summary>A user submitted the job.</summary>
    Submitted,

    /// <summary>The reconciler found the job in MongoDB but not in Redis, or a worker handed it back on shutdown.</summary>
    Recovered,
}

/// <summary>One stream entry: which job, when it was dispatched, and the trace it belongs to.</summary>
public sealed record DispatchedJob(RedisValue EntryId, string JobId, DateTimeOffset EnqueuedAt, ActivityContext TraceContext)
{
    public static DispatchedJob? From(StreamEntry entry)
    {
        var jobId = (string?)entry["job"];
        if (string.IsNullOrEmpty(jobId))
        {
            return null;
        }

        var enqueuedAt = long.TryParse((string?)entry["enqueuedAt"], out var milliseconds)
            ? DateTimeOffset.FromUnixTimeMilliseconds(milliseconds)
            : DateTimeOffset.MinValue;
        ActivityContext.TryParse((string?)entry["traceparent"], traceState: null, out var traceContext);
        return new DispatchedJob(entry.Id, jobId, enqueuedAt, traceContext);
    }
}
