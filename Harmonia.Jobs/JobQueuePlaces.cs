using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Harmonia.Jobs;

/// <summary>
/// Where a waiting job stands: how many jobs start before it under the round-robin scheduler, and when it should
/// start given the measured run times. Both are estimates from Redis (the waiting room and a moving average of run
/// times); MongoDB knows neither, so a Redis that cannot answer leaves them out rather than delaying the read.
/// </summary>
public sealed class JobQueuePlaces(IConnectionMultiplexer redis, IOptions<JobQueueOptions> options, TimeProvider timeProvider)
{
    /// <summary>Users looked at per estimate; beyond them the position is a lower bound (the scan stays short).</summary>
    private const int MaxUsersCounted = 1000;

    /// <summary>The weight of the newest run time in the moving average: recent enough to follow a slower model, smooth enough to ignore one outlier.</summary>
    private const double RunTimeWeight = 0.2;

    // KEYS[1] turns, KEYS[2] the user's waiting list, KEYS[3] stream, KEYS[4] run times. ARGV: job id, user id,
    // waiting-list prefix, most users counted. Under round-robin a job at index i of its owner's list starts after the
    // owner's i earlier jobs, and after min(n, i) jobs of every other user with n waiting, plus one more of each user whose
    // turn comes before the owner's. Returns {jobs ahead (-1: not waiting), jobs in progress, mean run time ms or false}.
    private const string PlaceScript = """
        local index = redis.call('LPOS', KEYS[2], ARGV[1])
        if not index then return {-1, 0, false} end
        local ahead, before = index, true
        for _, user in ipairs(redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[4]) - 1)) do
          if user == ARGV[2] then
            before = false
          else
            local turns = index
            if before then turns = index + 1 end
            ahead = ahead + math.min(redis.call('LLEN', ARGV[3] .. user), turns)
          end
        end
        return {ahead, redis.call('XLEN', KEYS[3]), redis.call('HGET', KEYS[4], 'meanMs')}
        """;

    // KEYS[1] run times. ARGV: the new sample (ms), its weight, TTL (ms).
    private const string RecordScript = """
        local mean = tonumber(redis.call('HGET', KEYS[1], 'meanMs') or ARGV[1])
        mean = mean + tonumber(ARGV[2]) * (tonumber(ARGV[1]) - mean)
        redis.call('HSET', KEYS[1], 'meanMs', string.format('%.0f', mean))
        redis.call('PEXPIRE', KEYS[1], ARGV[3])
        return 1
        """;

    private readonly string _queue = options.Value.Queue;

    private IDatabase Database => redis.GetDatabase();

    /// <summary>The waiting job's place, or null when it is not in the waiting room (running, settled, waiting out a retry).</summary>
    public async Task<QueuePlace?> FindAsync(string jobId, string userId)
    {
        var reply = (RedisResult[])(await Database.ScriptEvaluateAsync(
            PlaceScript,
            [JobKeys.Turns(_queue), JobKeys.WaitingOf(_queue, userId), JobKeys.Stream(_queue), JobKeys.RunTimes(_queue)],
            [jobId, userId, JobKeys.WaitingPrefix(_queue), MaxUsersCounted]))!;
        var ahead = (long)reply[0];
        if (ahead < 0)
        {
            return null;
        }

        DateTimeOffset? estimatedStartAt = null;
        if (!reply[2].IsNull && long.TryParse((string?)reply[2], out var meanMilliseconds))
        {
            // Every job ahead, and this one, needs a slot to free; the slots busy now free one mean run time apart each.
            var slots = Math.Max(1, (long)reply[1]);
            estimatedStartAt = timeProvider.GetUtcNow() + TimeSpan.FromMilliseconds(meanMilliseconds * (ahead + 1) / (double)slots);
        }

        return new QueuePlace((int)ahead + 1, estimatedStartAt);
    }

    /// <summary>How long jobs have been taking to run, or null before any has been measured.</summary>
    public async Task<TimeSpan?> MeanRunTimeAsync() =>
        long.TryParse((string?)await Database.HashGetAsync(JobKeys.RunTimes(_queue), "meanMs"), out var milliseconds)
            ? TimeSpan.FromMilliseconds(milliseconds)
            : null;

    /// <summary>Adds a completed job's run time to the moving average.</summary>
    public Task RecordRunTimeAsync(TimeSpan runTime) =>
        Database.ScriptEvaluateAsync(
            RecordScript,
            [JobKeys.RunTimes(_queue)],
            [(long)runTime.TotalMilliseconds, RunTimeWeight, (long)JobKeys.RunTimesTimeToLive.TotalMilliseconds]);
}

/// <summary>A waiting job's place in its queue: 1 starts next. The estimate is absent until a run time has been measured.</summary>
public sealed record QueuePlace(int Position, DateTimeOffset? EstimatedStartAt);
